// The hand-written DNS codec of the hot path, in one import: query parsing, answer encoding and
// reply assembly. Each part lives in its own module; this file only gathers them.
export { parseQuery, type Edns, type ParsedQuery, type ParseStatus } from './query.js';
export { AnswerEncoder, type EncodedAnswer, type RotationRun } from './encode.js';
export { buildAnswerReply, buildErrorReply, replyRcode, ReplyScratch } from './response.js';
export { EncodeError } from './writer.js';

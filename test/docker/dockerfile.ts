// A small Dockerfile reader for assertions: instructions with continuations joined, grouped by stage.
// Syntax errors are the linter's job (dockerfile-utils); this only needs the well-formed shape.

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  args: string;
  line: number;
}

export interface Stage {
  /** The FROM image reference. */
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { parts: string[]; line: number } | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    // Comments (including parser directives) and blank lines, also inside continuations.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const continues = line.endsWith('\\');
    const part = (continues ? line.slice(0, -1) : line).trim();
    if (pending) pending.parts.push(part);
    else pending = { parts: [part], line: index + 1 };
    if (continues) return;
    const joined = pending.parts.join(' ');
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (match) instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: match[2] ?? '', line: pending.line });
    pending = null;
  });
  return instructions;
}

export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ image: words[0] ?? '', name: asIndex >= 0 ? (words[asIndex + 1] ?? null) : null, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The arguments of an exec-form (JSON array) instruction, or null for shell form. */
export function execForm(args: string): string[] | null {
  if (!args.trimStart().startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/** Splits an image reference into name and tag ("" when the tag is missing); digests count as tags. */
export function imageTag(reference: string): { name: string; tag: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { name: reference.slice(0, at), tag: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { name: reference, tag: '' };
}

/** Whether a .dockerignore pattern list leaves a context path out of the build context. */
export function ignoredByDockerignore(patterns: readonly string[], path: string): boolean {
  const target = path.replace(/^\.\//, '').replace(/\/$/, '');
  let ignored = false;
  for (const raw of patterns) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\//, '').replace(/\/$/, '');
    const source = pattern
      .split('**')
      .map((piece) => piece.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('.*');
    // A pattern matching a directory also covers everything below it.
    if (new RegExp(`^${source}(/.*)?$`).test(target)) ignored = !negated;
  }
  return ignored;
}

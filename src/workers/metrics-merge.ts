// One /metrics page from the workers' pages (Prometheus text format 0.0.4): every sample gains a
// `worker` label, and the samples of each family from all workers are written together under one
// HELP and TYPE, as the format requires. Sums over workers are then a `sum without (worker)` away.

interface Family {
  readonly header: string[];
  readonly samples: string[];
}

/** `name{labels} value` or `name value` with worker="N" added to its labels. */
function labelSample(line: string, worker: string): string {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace !== -1 && (space === -1 || brace < space)) {
    const rest = line.slice(brace + 1);
    return `${line.slice(0, brace + 1)}worker="${worker}"${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  if (space === -1) return line;
  return `${line.slice(0, space)}{worker="${worker}"}${line.slice(space)}`;
}

/** `pages[i]` is the text of worker `workers[i]`. */
export function mergeMetricPages(pages: readonly string[], workers: readonly number[]): string {
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    let family = families.get(name);
    if (family === undefined) families.set(name, (family = { header: [], samples: [] }));
    return family;
  };
  pages.forEach((page, i) => {
    const worker = String(workers[i] ?? i);
    let current = familyOf('');
    for (const line of page.split('\n')) {
      if (line === '') continue;
      const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (comment !== null) {
        current = familyOf(comment[2]!);
        // HELP and TYPE come from the first worker that has the family.
        if (current.header.length < 2 && !current.header.some((h) => h.startsWith(`# ${comment[1]} `))) current.header.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      current.samples.push(labelSample(line, worker));
    }
  });
  const out: string[] = [];
  for (const family of families.values()) {
    if (family.samples.length === 0 && family.header.length === 0) continue;
    out.push(...family.header, ...family.samples);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

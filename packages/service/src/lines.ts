// Reading a child's output pipe line by line: how the launcher prefixes its services' output and the
// supervisor keeps a runner's stderr tail.

export interface ReadLinesOptions {
  /** Drop lines that are empty or only whitespace. */
  skipBlank?: boolean;
}

/**
 * Calls `onLine` for each `\n`-terminated line of `stream` (without the `\n`), then for an unterminated
 * last one. Resolves when the stream ends or breaks (a killed process breaks its pipes): what was read
 * before the break is kept, and the break is not an error.
 * @example await readLines(proc.stdout, (line) => console.log(`[api] ${line}`))
 */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  options: ReadLinesOptions = {},
): Promise<void> {
  const blank = (line: string) => (options.skipBlank ? line.trim() === '' : line === '');
  const decoder = new TextDecoder();
  let rest = '';
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      // Without skipBlank an empty line in the middle is still a line; only an empty tail is nothing.
      for (const line of lines) if (!options.skipBlank || !blank(line)) onLine(line);
    }
  } catch {
    // The pipe of a killed process breaks; nothing more will come.
  }
  if (!blank(rest)) onLine(rest);
}

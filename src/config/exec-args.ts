// FunctionConfiguration.ExecArgs is one string; the executable gets argv.
// Split on whitespace with the quoting a shell user expects, without a shell:
// 'single quotes' are literal, "double quotes" allow \" and \\, and a
// backslash outside quotes escapes the next character. No expansion of any kind.

/** Split ExecArgs into argv; throws Error with a reason on an unterminated quote or trailing backslash. */
export function splitExecArgs(input: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false; // distinguishes '' (an empty argument) from no argument
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
      i++;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote at character ${i + 1}`);
      current += input.slice(i + 1, end);
      inArg = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= input.length) throw new Error(`unterminated double quote at character ${start + 1}`);
        const d = input[i]!;
        if (d === '"') break;
        if (d === '\\' && (input[i + 1] === '"' || input[i + 1] === '\\')) {
          current += input[i + 1];
          i += 2;
        } else {
          current += d;
          i++;
        }
      }
      inArg = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 >= input.length) throw new Error('trailing backslash');
      current += input[i + 1];
      inArg = true;
      i += 2;
    } else {
      current += c;
      inArg = true;
      i++;
    }
  }
  if (inArg) args.push(current);
  return args;
}

// FunctionConfiguration.ExecArgs -> argv, without a shell.
import { describe, expect, it } from 'vitest';
import { splitExecArgs } from '../src/config/exec-args';

describe('splitExecArgs', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['-v', ['-v']],
    ['  --port 8\t--verbose \n x ', ['--port', '8', '--verbose', 'x']],
    [`--name 'living room'`, ['--name', 'living room']],
    [`--name "living room"`, ['--name', 'living room']],
    [`--json '{"a": 1}'`, ['--json', '{"a": 1}']],
    [`"say \\"hi\\" \\\\ there"`, ['say "hi" \\ there']],
    [`"a\\nb"`, ['a\\nb']], // only \" and \\ are escapes inside double quotes
    [`'it''s'`, ['its']],
    [`a' b 'c`, ['a b c']],
    [`'' ""`, ['', '']],
    [`a\\ b`, ['a b']],
    [`$HOME *.txt ~`, ['$HOME', '*.txt', '~']], // no expansion
  ])('%j', (input, argv) => {
    expect(splitExecArgs(input)).toEqual(argv);
  });

  it.each([
    [`'open`, 'unterminated single quote at character 1'],
    [`x "open`, 'unterminated double quote at character 3'],
    [`x \\`, 'trailing backslash'],
  ])('%j is refused: %s', (input, reason) => {
    expect(() => splitExecArgs(input)).toThrow(reason);
  });
});

// The custom Azure role documented in README.md, read from its `azure-role` JSON block.
import { readFileSync } from 'node:fs';

const README = new URL('../../README.md', import.meta.url);

/** The actions of the JSON block under the `azure-role` marker of the README. */
export function readmeRoleActions(): string[] {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf('<!-- azure-role');
  const block = /```json\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (at < 0 || !block?.[1]) throw new Error('README.md has no azure-role JSON block');
  return (JSON.parse(block[1]) as { Actions: string[] }).Actions;
}

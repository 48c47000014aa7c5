import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

// the folders a test file made, removed after its tests
afterAll(() => {
  for (const dir of made.splice(0))
    fs.rmSync(dir, { recursive: true, force: true });
});

/** A new folder under the system's temporary folder, removed after the test file's tests. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

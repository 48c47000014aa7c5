import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** The name of the folder the template editor is given (in the browser's private file system). */
const folderName = 'clustermesh-dns-template';

/**
 * The template editor ("Load Template Directory") asks the browser for a
 * folder with `window.showDirectoryPicker`, a native dialog that a headless
 * browser cannot answer. Before the app loads, this script makes the picker
 * return a folder of the origin private file system instead: a real
 * FileSystemDirectoryHandle, which the suite fills with the template's files
 * (`fillTemplateDirectory`). The editor reads (and would save) it as it
 * would a folder on disk.
 */
export const directoryPickerScript = `
(() => {
  window.showDirectoryPicker = async () => {
    const root = await navigator.storage.getDirectory();
    return root.getDirectoryHandle(${JSON.stringify(
      folderName,
    )}, { create: true });
  };
})();
`;

/** Every file under a folder, relative paths. */
function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory())
      files.push(
        ...listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`),
      );
    else if (entry.isFile()) files.push(`${prefix}${entry.name}`);
  }
  return files.sort();
}

/**
 * Copies a template's folder (template.yaml and what its steps fetch) into
 * the folder the stubbed directory picker returns. Resolves with the number
 * of files copied.
 */
export async function fillTemplateDirectory(
  page: Page,
  templateDir: string,
): Promise<number> {
  const files = listFiles(templateDir).map(file => ({
    path: file,
    base64: fs.readFileSync(path.join(templateDir, file)).toString('base64'),
  }));
  await page.evaluate(
    async ({ folder, entries }) => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(folder, { recursive: true }).catch(() => {});
      const top = await root.getDirectoryHandle(folder, { create: true });
      for (const entry of entries) {
        const parts = entry.path.split('/');
        let dir = top;
        for (const part of parts.slice(0, -1))
          dir = await dir.getDirectoryHandle(part, { create: true });
        const handle = await dir.getFileHandle(parts[parts.length - 1], {
          create: true,
        });
        const writable = await handle.createWritable();
        const bytes = Uint8Array.from(atob(entry.base64), c => c.charCodeAt(0));
        await writable.write(bytes);
        await writable.close();
      }
    },
    { folder: folderName, entries: files },
  );
  return files.length;
}

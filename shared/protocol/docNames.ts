/**
 * Document names travel in URLs and in LevelDB keys, so they are a closed
 * alphabet: letters, digits and `._:-/`, 1 to 200 characters.
 */
const DOC_NAME = /^[A-Za-z0-9._:\-/]{1,200}$/;

export type DocName = string & { readonly __brand: 'DocName' };

/** True when `name` may be used as a document name. */
export function isDocName(name: string): name is DocName {
  return DOC_NAME.test(name) && !name.includes('..');
}

/** Returns `name` as a DocName or throws a clear error. */
export function toDocName(name: string): DocName {
  if (!isDocName(name)) throw new Error(`invalid document name: ${JSON.stringify(name.slice(0, 60))}`);
  return name;
}

/** Edits a TFLite file in place, for tests of what the converter does with operators it lacks. */

/** Replaces every int8/int32 field equal to `from` inside OperatorCode tables. */
export function patchOperatorCode(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const root = view.getUint32(0, true);
  const vtable = root - view.getInt32(root, true);
  const codesField = view.getUint16(vtable + 4 + 2 * 1, true);
  const codesVector = root + codesField + view.getUint32(root + codesField, true);
  const count = view.getUint32(codesVector, true);
  for (let i = 0; i < count; i++) {
    const entry = codesVector + 4 + 4 * i;
    const table = entry + view.getUint32(entry, true);
    const vt = table - view.getInt32(table, true);
    const slot = (field: number) =>
      4 + 2 * field < view.getUint16(vt, true) ? view.getUint16(vt + 4 + 2 * field, true) : 0;
    const deprecated = slot(0);
    const builtin = slot(3);
    if (deprecated && view.getInt8(table + deprecated) === from) {
      view.setInt8(table + deprecated, to);
    }
    if (builtin && view.getInt32(table + builtin, true) === from) {
      view.setInt32(table + builtin, to, true);
    }
  }
  return bytes;
}

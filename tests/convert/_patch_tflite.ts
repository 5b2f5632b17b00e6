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

/**
 * Makes tensor `tensor` the model's (first) output, in place: the subgraph's outputs
 * vector is rewritten, so a runtime returns that intermediate activation instead. The
 * operators after it still run; their results are simply not looked at.
 */
export function patchGraphOutput(bytes: Uint8Array, tensor: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const field = (table: number, index: number) => {
    const vt = table - view.getInt32(table, true);
    return 4 + 2 * index < view.getUint16(vt, true) ? view.getUint16(vt + 4 + 2 * index, true) : 0;
  };
  const deref = (at: number) => at + view.getUint32(at, true);
  const root = deref(0);
  const subgraphs = deref(root + field(root, 2)); // Model: 2 subgraphs
  const graph = deref(subgraphs + 4);
  const outputs = deref(graph + field(graph, 2)); // SubGraph: 2 outputs
  if (view.getUint32(outputs, true) < 1) throw new Error("the model has no output to replace");
  view.setInt32(outputs + 4, tensor, true);
  return bytes;
}

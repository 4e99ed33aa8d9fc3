// A fault-injecting layer for end-to-end tests, loaded into the built CLI with
// `NODE_OPTIONS=--import=<this file>`: writes under FAULT_PATH fail with FAULT_CODE.
//
// - FAULT_AFTER_BYTES set: a full disk. Writes under the path succeed until that many bytes were
//   written there in total; the write that crosses the limit writes what fits and then fails.
// - FAULT_AFTER_BYTES unset: a read-only mount. Opening a file there for writing, creating a folder,
//   linking or renaming into it fails at once.
//
// It patches the public `fs` and `fs/promises` functions that stagedocs and its dependencies
// (write-file-atomic, proper-lockfile) call, then syncs the ES module bindings so that
// `import { writeFile } from 'node:fs/promises'` sees the patched functions too.
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';

const prefix = process.env.FAULT_PATH ? path.resolve(process.env.FAULT_PATH) : undefined;
const code = process.env.FAULT_CODE ?? 'ENOSPC';
const limit = process.env.FAULT_AFTER_BYTES === undefined ? undefined : Number(process.env.FAULT_AFTER_BYTES);
let written = 0;
const faultyFds = new Set();

const under = (file) => prefix !== undefined && typeof file === 'string' && (path.resolve(file) === prefix || path.resolve(file).startsWith(`${prefix}${path.sep}`));
const isWriteFlag = (flags) => flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY && !(typeof flags === 'string' && flags === 'rs');
const fault = (syscall, file) => Object.assign(new Error(`${code}: injected fault, ${syscall} '${file}'`), { code, errno: -28, syscall, path: file });

/** Bytes of a write that may still go to disk, and whether the write must fail after them. */
function budget(length) {
  if (limit === undefined) return { allowed: length, fail: false };
  const allowed = Math.max(0, Math.min(length, limit - written));
  written += allowed;
  return { allowed, fail: allowed < length };
}

const original = {
  openSync: fs.openSync, open: fs.open, writeSync: fs.writeSync, write: fs.write, closeSync: fs.closeSync, close: fs.close,
  mkdirSync: fs.mkdirSync, mkdir: fs.mkdir, linkSync: fs.linkSync, link: fs.link, renameSync: fs.renameSync, rename: fs.rename,
  pOpen: fs.promises.open, pWriteFile: fs.promises.writeFile, pMkdir: fs.promises.mkdir, pLink: fs.promises.link, pRename: fs.promises.rename, pAppendFile: fs.promises.appendFile,
};

const readOnly = () => limit === undefined;

fs.openSync = function (file, flags, ...rest) {
  if (under(file) && isWriteFlag(flags) && readOnly()) throw fault('open', file);
  const fd = original.openSync.call(this, file, flags, ...rest);
  if (under(file) && isWriteFlag(flags)) faultyFds.add(fd);
  return fd;
};
fs.open = function (file, flags, ...rest) {
  const callback = rest.pop();
  if (under(file) && isWriteFlag(flags) && readOnly()) return process.nextTick(callback, fault('open', file));
  return original.open.call(this, file, flags, ...rest, (error, fd) => {
    if (!error && under(file) && isWriteFlag(flags)) faultyFds.add(fd);
    callback(error, fd);
  });
};
fs.closeSync = function (fd) {
  faultyFds.delete(fd);
  return original.closeSync.call(this, fd);
};
fs.close = function (fd, ...rest) {
  faultyFds.delete(fd);
  return original.close.call(this, fd, ...rest);
};

function asBuffer(data, offsetOrPosition, lengthOrEncoding) {
  if (typeof data === 'string') return { buffer: Buffer.from(data, typeof lengthOrEncoding === 'string' ? lengthOrEncoding : 'utf8'), offset: 0 };
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const offset = typeof offsetOrPosition === 'number' ? offsetOrPosition : 0;
  const length = typeof lengthOrEncoding === 'number' ? lengthOrEncoding : view.length - offset;
  return { buffer: view.subarray(offset, offset + length), offset: 0 };
}

fs.writeSync = function (fd, data, ...rest) {
  if (!faultyFds.has(fd)) return original.writeSync.call(this, fd, data, ...rest);
  const { buffer } = asBuffer(data, rest[0], rest[1]);
  const { allowed, fail } = budget(buffer.length);
  if (allowed > 0) original.writeSync.call(this, fd, buffer.subarray(0, allowed));
  if (fail) throw fault('write', `fd ${fd}`);
  return allowed;
};
fs.write = function (fd, data, ...rest) {
  const callback = rest.pop();
  if (!faultyFds.has(fd)) return original.write.call(this, fd, data, ...rest, callback);
  const { buffer } = asBuffer(data, rest[0], rest[1]);
  const { allowed, fail } = budget(buffer.length);
  const position = typeof data === 'string' ? rest[0] : rest[2];
  original.write.call(this, fd, buffer.subarray(0, allowed), 0, allowed, typeof position === 'number' ? position : null, (error, bytes) => {
    if (error) return callback(error);
    if (fail) return callback(fault('write', `fd ${fd}`));
    callback(null, bytes, data);
  });
};

for (const [name, syscall] of [['mkdirSync', 'mkdir'], ['linkSync', 'link'], ['renameSync', 'rename']]) {
  fs[name] = function (from, to, ...rest) {
    const target = syscall === 'mkdir' ? from : to;
    if (under(target) && readOnly() && !(syscall === 'mkdir' && fs.existsSync(target))) throw fault(syscall, target);
    return original[name].call(this, from, to, ...rest);
  };
}
for (const [name, syscall] of [['mkdir', 'mkdir'], ['link', 'link'], ['rename', 'rename']]) {
  fs[name] = function (from, ...rest) {
    const callback = rest.pop();
    const target = syscall === 'mkdir' ? from : rest[0];
    if (under(target) && readOnly() && !(syscall === 'mkdir' && fs.existsSync(target))) return process.nextTick(callback, fault(syscall, target));
    return original[name].call(this, from, ...rest, callback);
  };
}
for (const [name, syscall] of [['pMkdir', 'mkdir'], ['pLink', 'link'], ['pRename', 'rename']]) {
  fs.promises[syscall] = async function (from, to, ...rest) {
    const target = syscall === 'mkdir' ? from : to;
    if (under(target) && readOnly() && !(syscall === 'mkdir' && fs.existsSync(target))) throw fault(syscall, target);
    return original[name].call(this, from, to, ...rest);
  };
}

/** A FileHandle whose writes count against the budget. */
async function faultyHandle(file, flags, mode) {
  if (readOnly()) throw fault('open', file);
  const handle = await original.pOpen(file, flags, mode);
  const write = handle.write.bind(handle);
  handle.write = async (data, ...rest) => {
    const { buffer } = asBuffer(data, rest[0], rest[1]);
    const { allowed, fail } = budget(buffer.length);
    if (allowed > 0) await write(buffer.subarray(0, allowed));
    if (fail) throw fault('write', file);
    return { bytesWritten: allowed, buffer: data };
  };
  return handle;
}
fs.promises.open = async function (file, flags = 'r', mode) {
  if (under(file) && isWriteFlag(flags)) return faultyHandle(file, flags, mode);
  return original.pOpen.call(this, file, flags, mode);
};
fs.promises.writeFile = async function (file, data, options) {
  if (!under(file)) return original.pWriteFile.call(this, file, data, options);
  const flag = (typeof options === 'object' && options?.flag) || 'w';
  const handle = await faultyHandle(file, flag, typeof options === 'object' ? options?.mode : undefined);
  try {
    await handle.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } finally {
    await handle.close();
  }
};
fs.promises.appendFile = async function (file, data, options) {
  if (!under(file)) return original.pAppendFile.call(this, file, data, options);
  return fs.promises.writeFile(file, data, { ...(typeof options === 'object' ? options : {}), flag: 'a' });
};

module.syncBuiltinESMExports();

// Runs Python in real Pyodide under Node.js, as xlwings Lite runs it inside Excel.
//
//   node tests/pyodide/run.mjs JOB.json
//
// JOB: {"package": npm package of the runtime ("pyodide" or the alias "pyodide-314"),
//       "wheels": [paths of .whl files to install], "files": {"/path/in/pyodide": "local path"},
//       "path": [folders to put on sys.path], "call": "module:function", "arg": any JSON value}
// The wheels are unpacked into site-packages (Pyodide's package CDN is not reachable here; Lite
// installs the same wheels from PyPI with micropip). `arg` is handed to the Python function as a
// JavaScript value, so it crosses the JS→Python conversion (null, numbers, arrays) exactly as
// the arguments of a custom function do in Lite. Prints one JSON line to stdout:
//   {"pyodide": version, "python": version, "seconds": {...}, "result": <what the function returned>,
//    "stderr": [lines Python wrote to stderr]}
// Python's stdout goes to this process's stderr, so that stdout carries only the JSON.
import fs from "node:fs";
import path from "node:path";

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { loadPyodide } = await import(job.package ?? "pyodide");
const seconds = {};
const stderr = [];
let start = performance.now();
const lap = (name) => {
  const now = performance.now();
  seconds[name] = (now - start) / 1000;
  start = now;
};

const pyodide = await loadPyodide({
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => { stderr.push(line); process.stderr.write(line + "\n"); },
});
lap("load_pyodide");

for (const wheel of job.wheels ?? []) {
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), "wheel");
}
for (const [target, source] of Object.entries(job.files ?? {})) {
  pyodide.FS.mkdirTree(path.posix.dirname(target));
  pyodide.FS.writeFile(target, new Uint8Array(fs.readFileSync(source)));
}
for (const folder of job.path ?? []) {
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(folder)})`);
}
lap("install_files");

const [moduleName, functionName] = job.call.split(":");
const module = pyodide.pyimport(moduleName);
lap("import");
const result = module[functionName](job.arg ?? null);
lap("call");

console.log(JSON.stringify({
  pyodide: pyodide.version,
  python: pyodide.runPython("import sys; sys.version.split()[0]"),
  seconds,
  result: typeof result === "string" ? JSON.parse(result) : result,
  stderr,
}));

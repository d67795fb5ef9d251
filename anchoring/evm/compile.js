#!/usr/bin/env node
// Compile contracts/*.sol with the pinned solc-js and write artifacts/<Contract>.json.
//
// Why a node script: solc-js is the compiler npm pins byte-for-byte (package-lock.json),
// so compiling needs no download at run time and yields the same bytecode everywhere.
// Output is deterministic: fixed settings, sources named by relative path, sorted
// contract list, stable JSON formatting. Usage: node compile.js [--out DIR]
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const HERE = __dirname;
const CONTRACTS_DIR = path.join(HERE, 'contracts');
const NODE_MODULES = path.join(HERE, 'node_modules');

// cancun: both py-evm's default fork (Prague) and anvil run it; OpenZeppelin 5 needs
// at least Shanghai (PUSH0) and uses MCOPY when available.
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'ipfs' },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
};

function findImports(importPath) {
  const candidates = [
    path.join(HERE, importPath),
    path.join(NODE_MODULES, importPath),
  ];
  for (const file of candidates) {
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

function main() {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const outDir = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(HERE, 'artifacts');

  const sources = {};
  for (const name of fs.readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort()) {
    sources[`contracts/${name}`] = { content: fs.readFileSync(path.join(CONTRACTS_DIR, name), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) console.error(e.formattedMessage);
  if (errors.length) process.exit(1);

  fs.mkdirSync(outDir, { recursive: true });
  const version = solc.version();
  const written = [];
  for (const sourceName of Object.keys(sources)) {
    const contracts = output.contracts[sourceName] || {};
    for (const contractName of Object.keys(contracts).sort()) {
      const c = contracts[contractName];
      if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
      const artifact = {
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
        compiler: { name: 'solc-js', version },
        settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer,
                    metadata: SETTINGS.metadata },
      };
      const file = path.join(outDir, `${contractName}.json`);
      fs.writeFileSync(file, JSON.stringify(artifact, null, 2) + '\n');
      written.push(file);
    }
  }
  console.log(JSON.stringify({ compiler: version, artifacts: written.map((f) => path.basename(f)) }));
}

main();

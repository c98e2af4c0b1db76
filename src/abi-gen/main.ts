/**
 * `npm run generate:abi`: regenerates src/sys/abi-generated.ts from the running kernel's BTF.
 * Run it on the kernel the file should describe, then commit the file (its header names that kernel).
 */
import { writeFileSync } from 'node:fs';
import { generateAbi } from './generate.js';
import { generatedPath, kernelRelease, vmlinuxBtf } from './kernel.js';

const path = generatedPath();
const release = kernelRelease();
writeFileSync(path, generateAbi(vmlinuxBtf(), release));
console.log(`wrote ${path} from the BTF of Linux ${release}`);

export * from './opcodes.js';
export * from './instruction.js';

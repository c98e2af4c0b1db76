#!/usr/bin/env node
console.log('tsbpf');

// SPDX-License-Identifier: MIT
/*
 * The libbpf oracle for tsbpf's USDT support: loads OBJECT with libbpf, attaches PROGRAM to
 * PROVIDER:NAME of BINARY in process PID with COOKIE through bpf_program__attach_usdt, then prints
 * every non-zero entry of __bpf_usdt_specs ("spec ID HEX", the value's bytes) and detaches.
 * Usage: usdt-libbpf-attach OBJECT PROGRAM BINARY PROVIDER NAME PID COOKIE
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s OBJECT PROGRAM BINARY PROVIDER NAME PID COOKIE\n", argv[0]);
    return 2;
  }
  struct bpf_object *object = bpf_object__open_file(argv[1], NULL);
  if (!object || bpf_object__load(object)) {
    fprintf(stderr, "libbpf could not load %s\n", argv[1]);
    return 1;
  }
  struct bpf_program *program = bpf_object__find_program_by_name(object, argv[2]);
  LIBBPF_OPTS(bpf_usdt_opts, options, .usdt_cookie = strtoull(argv[7], NULL, 0));
  struct bpf_link *link = program ? bpf_program__attach_usdt(program, atoi(argv[6]), argv[3], argv[4], argv[5], &options) : NULL;
  if (!link) {
    fprintf(stderr, "libbpf could not attach %s to %s:%s\n", argv[2], argv[4], argv[5]);
    return 1;
  }
  struct bpf_map *specs = bpf_object__find_map_by_name(object, "__bpf_usdt_specs");
  unsigned char value[4096];
  unsigned int size = bpf_map__value_size(specs);
  for (unsigned int id = 0; id < bpf_map__max_entries(specs) && size <= sizeof value; id++) {
    if (bpf_map_lookup_elem(bpf_map__fd(specs), &id, value)) continue;
    int zero = 1;
    for (unsigned int i = 0; i < size; i++) zero &= value[i] == 0;
    if (zero) continue;
    printf("spec %u ", id);
    for (unsigned int i = 0; i < size; i++) printf("%02x", value[i]);
    printf("\n");
  }
  bpf_link__destroy(link);
  bpf_object__close(object);
  return 0;
}

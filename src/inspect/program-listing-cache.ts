/**
 * What one listing of programs may share between programs: the boot time, the fdinfo files, and the
 * facts several programs of one object ask for again (their maps' info, their BTF, their .rodata
 * metadata). Nothing here outlives the listing: ids are not reused while it runs, but a later listing
 * must see objects as they are then.
 */
import { Btf } from '../btf/btf.js';
import { bootTimeMs } from '../info/boot-time.js';
import { BtfObject } from '../info/btf-object.js';
import { mapInfoById, type MapInfo } from '../info/map-info.js';
import { ProgramFdinfoReader } from './program-fdinfo.js';
import { METADATA_PREFIX, type MetadataEntry } from './program-metadata.js';

export class ProgramListingCache implements Disposable {
  /** bootTimeMs() once for every program's loadedAt. */
  readonly bootMs = bootTimeMs();
  readonly fdinfo = new ProgramFdinfoReader();
  readonly #maps = new Map<number, MapInfo>();
  readonly #btf = new Map<number, Btf>();
  readonly #mayHoldMetadata = new Map<number, boolean>();
  /** Metadata by the id of the .rodata map it was read from. */
  readonly metadata = new Map<number, MetadataEntry[]>();

  /** mapInfoById, once per id; throws as it does (a failure is not remembered). */
  mapInfo(id: number): MapInfo {
    let info = this.#maps.get(id);
    if (!info) this.#maps.set(id, (info = mapInfoById(id)));
    return info;
  }

  /** The parsed BTF object `id`, once per id; throws as fetching or parsing does. */
  btf(id: number): Btf {
    let btf = this.#btf.get(id);
    if (!btf) {
      using object = BtfObject.fromId(id);
      this.#btf.set(id, (btf = Btf.parse(object.data())));
    }
    return btf;
  }

  /** Whether BTF object `id`'s raw bytes contain the metadata prefix at all (once per id). */
  mayHoldMetadata(id: number): boolean {
    let answer = this.#mayHoldMetadata.get(id);
    if (answer === undefined) {
      using object = BtfObject.fromId(id);
      const data = object.data();
      answer = Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(METADATA_PREFIX, 0, 'latin1');
      this.#mayHoldMetadata.set(id, answer);
    }
    return answer;
  }

  [Symbol.dispose](): void {
    this.fdinfo[Symbol.dispose]();
  }
}

/**
 * Lazily built blocks of consecutive local days, keyed by block index. Lookups cluster (a hand-off and its due
 * time are days apart), so the last block is kept at hand; beyond `maxBlocks` (centuries of days) the cache
 * starts over rather than growing without bound.
 */
export class BlockCache<T> {
  private readonly blocks = new Map<number, T>();
  private lastIndex = NaN;
  private lastBlock: T | undefined;

  constructor(
    private readonly build: (index: number) => T,
    private readonly maxBlocks = 4096,
  ) {}

  get(index: number): T {
    if (index === this.lastIndex && this.lastBlock !== undefined) return this.lastBlock;
    let block = this.blocks.get(index);
    if (block === undefined) {
      if (this.blocks.size >= this.maxBlocks) this.blocks.clear();
      block = this.build(index);
      this.blocks.set(index, block);
    }
    this.lastIndex = index;
    this.lastBlock = block;
    return block;
  }
}

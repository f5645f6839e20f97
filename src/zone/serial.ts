// The SOA serial: Unix time in seconds of the last change relevant to DNS, as CoreDNS reports it.

export class SoaSerial {
  private value: number;

  /** `now` returns milliseconds since the Unix epoch (injectable for tests). */
  constructor(private readonly now: () => number) {
    this.value = this.seconds();
  }

  get current(): number {
    return this.value;
  }

  /**
   * Records a change. The serial never goes backwards (a clock step back keeps the old value); two
   * changes in the same second share a serial, as in CoreDNS, so a burst of events cannot run the
   * serial ahead of the clock.
   */
  touch(): void {
    const seconds = this.seconds();
    if (seconds > this.value) this.value = seconds;
  }

  private seconds(): number {
    // The serial field is 32 bits: Unix seconds fit until 2106.
    return Math.floor(this.now() / 1000) >>> 0;
  }
}

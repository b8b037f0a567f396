/**
 * Incremental ZMTP decoder (RFC 23 §"Greeting", §"Framing"): a state machine fed arbitrary byte chunks,
 * greeting -> frame flags -> size -> body, that hands complete frames to a sink.
 */
import { ZmtpError } from './errors.ts';
import { MAX_FRAME_BODY } from './frame.ts';
import {
  checkGreetingPrefix,
  decodeGreeting,
  FLAG_RESERVED,
  GREETING_SIZE,
  type Greeting,
  isLong,
} from './protocol.ts';

/** Receives what the decoder finds, in stream order. */
export interface DecoderSink {
  greeting(greeting: Greeting): void;
  frame(flags: number, body: Buffer): void;
}

/** Decoder limits. */
export interface DecoderOptions {
  /** Start by reading a 64-byte greeting (default true). */
  greeting?: boolean;
  /** Refuse frames larger than this before reading their body; -1 = only the hard buffer limit. */
  maxFrameSize?: number;
}

const GREETING = 0;
const FLAGS = 1;
const SIZE = 2;
const BODY = 3;
const FAILED = 4;

const EMPTY = Buffer.alloc(0);
// 2^53 is 0x20_0000 in the high 32-bit word: anything at or above cannot be a safe JS integer.
const HIGH_WORD_LIMIT = 0x20_0000;

/** Explicit state machine; `feed` throws a ZmtpError on the first protocol violation and stays failed. */
export class Decoder {
  private state: number;
  private flags = 0;
  private size = 0;
  private readonly scratch = Buffer.allocUnsafe(GREETING_SIZE);
  private scratchFill = 0;
  private scratchNeed = 0;
  private parts: Buffer[] = [];
  private partsFill = 0;
  private readonly maxFrameSize: number;

  constructor(
    private readonly sink: DecoderSink,
    options: DecoderOptions = {},
  ) {
    this.state = options.greeting === false ? FLAGS : GREETING;
    this.scratchNeed = GREETING_SIZE;
    const max = options.maxFrameSize ?? -1;
    this.maxFrameSize = max < 0 ? MAX_FRAME_BODY : Math.min(max, MAX_FRAME_BODY);
  }

  /** True once a violation was found; further input is ignored. */
  get failed(): boolean {
    return this.state === FAILED;
  }

  /** Stops decoding; used when the owner closes the connection mid-chunk. */
  stop(): void {
    this.state = FAILED;
  }

  /** Feeds the next chunk; complete items reach the sink synchronously. */
  feed(chunk: Buffer): void {
    try {
      this.run(chunk);
    } catch (error) {
      this.state = FAILED;
      throw error;
    }
  }

  private run(chunk: Buffer): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      switch (this.state) {
        case GREETING: {
          at = this.fill(chunk, at);
          checkGreetingPrefix(this.scratch.subarray(0, this.scratchFill));
          if (this.scratchFill < GREETING_SIZE) return;
          const greeting = decodeGreeting(this.scratch);
          this.state = FLAGS;
          this.scratchFill = 0;
          this.sink.greeting(greeting);
          break;
        }
        case FLAGS: {
          const flags = chunk[at]!;
          if ((flags & FLAG_RESERVED) !== 0) {
            throw new ZmtpError(
              'BAD_FRAME',
              `reserved flag bits set: 0x${flags.toString(16).padStart(2, '0')}`,
            );
          }
          this.flags = flags;
          at++;
          // Fast path for a short frame whose size and body are all in this chunk.
          if (!isLong(flags) && at < end) {
            const size = chunk[at]!;
            at++;
            if (size > this.maxFrameSize) this.tooLarge(size);
            if (end - at >= size) {
              const body = size === 0 ? EMPTY : chunk.subarray(at, at + size);
              at += size;
              this.sink.frame(flags, body);
              continue;
            }
            this.size = size;
            this.state = BODY;
            break;
          }
          this.scratchFill = 0;
          this.scratchNeed = isLong(flags) ? 8 : 1;
          this.state = SIZE;
          break;
        }
        case SIZE: {
          at = this.fill(chunk, at);
          if (this.scratchFill < this.scratchNeed) return;
          this.size = this.scratchNeed === 1 ? this.scratch[0]! : this.readLongSize();
          if (this.size > this.maxFrameSize) this.tooLarge(this.size);
          this.scratchFill = 0;
          if (this.size === 0) {
            this.state = FLAGS;
            this.sink.frame(this.flags, EMPTY);
          } else {
            this.state = BODY;
          }
          break;
        }
        case BODY: {
          const want = this.size - this.partsFill;
          const have = end - at;
          if (this.partsFill === 0 && have >= want) {
            const body = chunk.subarray(at, at + want);
            at += want;
            this.state = FLAGS;
            this.sink.frame(this.flags, body);
            break;
          }
          const take = Math.min(want, have);
          this.parts.push(chunk.subarray(at, at + take));
          this.partsFill += take;
          at += take;
          if (this.partsFill < this.size) return;
          const body = Buffer.concat(this.parts, this.size);
          this.parts = [];
          this.partsFill = 0;
          this.state = FLAGS;
          this.sink.frame(this.flags, body);
          break;
        }
        default:
          return;
      }
    }
  }

  private fill(chunk: Buffer, at: number): number {
    const take = Math.min(this.scratchNeed - this.scratchFill, chunk.length - at);
    chunk.copy(this.scratch, this.scratchFill, at, at + take);
    this.scratchFill += take;
    return at + take;
  }

  private readLongSize(): number {
    const high = this.scratch.readUInt32BE(0);
    if (high >= HIGH_WORD_LIMIT) {
      throw new ZmtpError('MESSAGE_TOO_LARGE', 'frame size field is 2^53 bytes or more');
    }
    return high * 0x1_0000_0000 + this.scratch.readUInt32BE(4);
  }

  private tooLarge(size: number): never {
    throw new ZmtpError(
      'MESSAGE_TOO_LARGE',
      `frame of ${size} bytes exceeds the limit of ${this.maxFrameSize}`,
    );
  }
}

// Z85, ZeroMQ's printable encoding of binary keys (ZeroMQ RFC 32/Z85): every 4 bytes become 5 characters of an
// 85-character alphabet, big-endian. CurveZMQ keys are 32 bytes, so 40 characters.

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes whose length is a multiple of 4. Throws RangeError otherwise (RFC 32: the frame must be padded). */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new RangeError(`Z85 encodes multiples of 4 bytes, got ${data.length}`);
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    let v = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    const chunk = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      chunk[j] = ALPHABET[v % 85];
      v = Math.floor(v / 85);
    }
    out += chunk.join('');
  }
  return out;
}

/** Decodes a Z85 string whose length is a multiple of 5. Throws RangeError naming the bad character or length. */
export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new RangeError(`Z85 text must be a multiple of 5 characters, got ${text.length}`);
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const d = code < 128 ? DECODE[code] : -1;
      if (d < 0) throw new RangeError(`Z85 text has an invalid character ${JSON.stringify(text[i + j])} at offset ${i + j}`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new RangeError(`Z85 group at offset ${i} exceeds 32 bits`);
    out.writeUInt32BE(v, (i / 5) * 4);
  }
  return out;
}

/** A CurveZMQ key in Z85 is exactly 40 characters of the alphabet (32 bytes). */
export function isCurveKeyZ85(text: string): boolean {
  if (text.length !== 40) return false;
  try {
    z85Decode(text);
    return true;
  } catch {
    return false;
  }
}

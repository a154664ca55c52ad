// groupcast-chat 0.1.0: groupcast's browser SDK (Tencent Web SDK v3 names). Built from sdk/js; do not edit.
var __defProp = Object.defineProperty;
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);

// node_modules/@msgpack/msgpack/dist.esm/utils/utf8.mjs
function utf8Count(str) {
  const strLength = str.length;
  let byteLength = 0;
  let pos = 0;
  while (pos < strLength) {
    let value = str.charCodeAt(pos++);
    if ((value & 4294967168) === 0) {
      byteLength++;
      continue;
    } else if ((value & 4294965248) === 0) {
      byteLength += 2;
    } else {
      if (value >= 55296 && value <= 56319) {
        if (pos < strLength) {
          const extra = str.charCodeAt(pos);
          if ((extra & 64512) === 56320) {
            ++pos;
            value = ((value & 1023) << 10) + (extra & 1023) + 65536;
          }
        }
      }
      if ((value & 4294901760) === 0) {
        byteLength += 3;
      } else {
        byteLength += 4;
      }
    }
  }
  return byteLength;
}
function utf8EncodeJs(str, output, outputOffset) {
  const strLength = str.length;
  let offset = outputOffset;
  let pos = 0;
  while (pos < strLength) {
    let value = str.charCodeAt(pos++);
    if ((value & 4294967168) === 0) {
      output[offset++] = value;
      continue;
    } else if ((value & 4294965248) === 0) {
      output[offset++] = value >> 6 & 31 | 192;
    } else {
      if (value >= 55296 && value <= 56319) {
        if (pos < strLength) {
          const extra = str.charCodeAt(pos);
          if ((extra & 64512) === 56320) {
            ++pos;
            value = ((value & 1023) << 10) + (extra & 1023) + 65536;
          }
        }
      }
      if ((value & 4294901760) === 0) {
        output[offset++] = value >> 12 & 15 | 224;
        output[offset++] = value >> 6 & 63 | 128;
      } else {
        output[offset++] = value >> 18 & 7 | 240;
        output[offset++] = value >> 12 & 63 | 128;
        output[offset++] = value >> 6 & 63 | 128;
      }
    }
    output[offset++] = value & 63 | 128;
  }
}
var sharedTextEncoder = new TextEncoder();
var TEXT_ENCODER_THRESHOLD = 50;
function utf8EncodeTE(str, output, outputOffset) {
  sharedTextEncoder.encodeInto(str, output.subarray(outputOffset));
}
function utf8Encode(str, output, outputOffset) {
  if (str.length > TEXT_ENCODER_THRESHOLD) {
    utf8EncodeTE(str, output, outputOffset);
  } else {
    utf8EncodeJs(str, output, outputOffset);
  }
}
var CHUNK_SIZE = 4096;
function utf8DecodeJs(bytes, inputOffset, byteLength) {
  let offset = inputOffset;
  const end = offset + byteLength;
  const units = [];
  let result = "";
  while (offset < end) {
    const byte1 = bytes[offset++];
    if ((byte1 & 128) === 0) {
      units.push(byte1);
    } else if ((byte1 & 224) === 192) {
      const byte2 = bytes[offset++] & 63;
      units.push((byte1 & 31) << 6 | byte2);
    } else if ((byte1 & 240) === 224) {
      const byte2 = bytes[offset++] & 63;
      const byte3 = bytes[offset++] & 63;
      units.push((byte1 & 31) << 12 | byte2 << 6 | byte3);
    } else if ((byte1 & 248) === 240) {
      const byte2 = bytes[offset++] & 63;
      const byte3 = bytes[offset++] & 63;
      const byte4 = bytes[offset++] & 63;
      let unit = (byte1 & 7) << 18 | byte2 << 12 | byte3 << 6 | byte4;
      if (unit > 65535) {
        unit -= 65536;
        units.push(unit >>> 10 & 1023 | 55296);
        unit = 56320 | unit & 1023;
      }
      units.push(unit);
    } else {
      units.push(byte1);
    }
    if (units.length >= CHUNK_SIZE) {
      result += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  if (units.length > 0) {
    result += String.fromCharCode(...units);
  }
  return result;
}
var sharedTextDecoder = new TextDecoder();
var TEXT_DECODER_THRESHOLD = 200;
function utf8DecodeTD(bytes, inputOffset, byteLength) {
  const stringBytes = bytes.subarray(inputOffset, inputOffset + byteLength);
  return sharedTextDecoder.decode(stringBytes);
}
function utf8Decode(bytes, inputOffset, byteLength) {
  if (byteLength > TEXT_DECODER_THRESHOLD) {
    return utf8DecodeTD(bytes, inputOffset, byteLength);
  } else {
    return utf8DecodeJs(bytes, inputOffset, byteLength);
  }
}

// node_modules/@msgpack/msgpack/dist.esm/ExtData.mjs
var ExtData = class {
  constructor(type, data) {
    __publicField(this, "type");
    __publicField(this, "data");
    this.type = type;
    this.data = data;
  }
};

// node_modules/@msgpack/msgpack/dist.esm/DecodeError.mjs
var DecodeError = class _DecodeError extends Error {
  constructor(message) {
    super(message);
    const proto = Object.create(_DecodeError.prototype);
    Object.setPrototypeOf(this, proto);
    Object.defineProperty(this, "name", {
      configurable: true,
      enumerable: false,
      value: _DecodeError.name
    });
  }
};

// node_modules/@msgpack/msgpack/dist.esm/utils/int.mjs
var UINT32_MAX = 4294967295;
function setUint64(view, offset, value) {
  const high = value / 4294967296;
  const low = value;
  view.setUint32(offset, high);
  view.setUint32(offset + 4, low);
}
function setInt64(view, offset, value) {
  const high = Math.floor(value / 4294967296);
  const low = value;
  view.setUint32(offset, high);
  view.setUint32(offset + 4, low);
}
function getInt64(view, offset) {
  const high = view.getInt32(offset);
  const low = view.getUint32(offset + 4);
  return high * 4294967296 + low;
}
function getUint64(view, offset) {
  const high = view.getUint32(offset);
  const low = view.getUint32(offset + 4);
  return high * 4294967296 + low;
}

// node_modules/@msgpack/msgpack/dist.esm/timestamp.mjs
var EXT_TIMESTAMP = -1;
var TIMESTAMP32_MAX_SEC = 4294967296 - 1;
var TIMESTAMP64_MAX_SEC = 17179869184 - 1;
function encodeTimeSpecToTimestamp({ sec, nsec }) {
  if (sec >= 0 && nsec >= 0 && sec <= TIMESTAMP64_MAX_SEC) {
    if (nsec === 0 && sec <= TIMESTAMP32_MAX_SEC) {
      const rv = new Uint8Array(4);
      const view = new DataView(rv.buffer);
      view.setUint32(0, sec);
      return rv;
    } else {
      const secHigh = sec / 4294967296;
      const secLow = sec & 4294967295;
      const rv = new Uint8Array(8);
      const view = new DataView(rv.buffer);
      view.setUint32(0, nsec << 2 | secHigh & 3);
      view.setUint32(4, secLow);
      return rv;
    }
  } else {
    const rv = new Uint8Array(12);
    const view = new DataView(rv.buffer);
    view.setUint32(0, nsec);
    setInt64(view, 4, sec);
    return rv;
  }
}
function encodeDateToTimeSpec(date) {
  const msec = date.getTime();
  const sec = Math.floor(msec / 1e3);
  const nsec = (msec - sec * 1e3) * 1e6;
  const nsecInSec = Math.floor(nsec / 1e9);
  return {
    sec: sec + nsecInSec,
    nsec: nsec - nsecInSec * 1e9
  };
}
function encodeTimestampExtension(object) {
  if (object instanceof Date) {
    const timeSpec = encodeDateToTimeSpec(object);
    return encodeTimeSpecToTimestamp(timeSpec);
  } else {
    return null;
  }
}
function decodeTimestampToTimeSpec(data) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (data.byteLength) {
    case 4: {
      const sec = view.getUint32(0);
      const nsec = 0;
      return { sec, nsec };
    }
    case 8: {
      const nsec30AndSecHigh2 = view.getUint32(0);
      const secLow32 = view.getUint32(4);
      const sec = (nsec30AndSecHigh2 & 3) * 4294967296 + secLow32;
      const nsec = nsec30AndSecHigh2 >>> 2;
      return { sec, nsec };
    }
    case 12: {
      const sec = getInt64(view, 4);
      const nsec = view.getUint32(0);
      return { sec, nsec };
    }
    default:
      throw new DecodeError(`Unrecognized data size for timestamp (expected 4, 8, or 12): ${data.length}`);
  }
}
function decodeTimestampExtension(data) {
  const timeSpec = decodeTimestampToTimeSpec(data);
  return new Date(timeSpec.sec * 1e3 + timeSpec.nsec / 1e6);
}
var timestampExtension = {
  type: EXT_TIMESTAMP,
  encode: encodeTimestampExtension,
  decode: decodeTimestampExtension
};

// node_modules/@msgpack/msgpack/dist.esm/ExtensionCodec.mjs
var _ExtensionCodec = class _ExtensionCodec {
  constructor() {
    // ensures ExtensionCodecType<X> matches ExtensionCodec<X>
    // this will make type errors a lot more clear
    // eslint-disable-next-line @typescript-eslint/naming-convention
    __publicField(this, "__brand");
    // built-in extensions
    __publicField(this, "builtInEncoders", []);
    __publicField(this, "builtInDecoders", []);
    // custom extensions
    __publicField(this, "encoders", []);
    __publicField(this, "decoders", []);
    this.register(timestampExtension);
  }
  register({ type, encode, decode }) {
    if (type >= 0) {
      this.encoders[type] = encode;
      this.decoders[type] = decode;
    } else {
      const index = -1 - type;
      this.builtInEncoders[index] = encode;
      this.builtInDecoders[index] = decode;
    }
  }
  tryToEncode(object, context) {
    for (let i = 0; i < this.builtInEncoders.length; i++) {
      const encodeExt = this.builtInEncoders[i];
      if (encodeExt != null) {
        const data = encodeExt(object, context);
        if (data != null) {
          const type = -1 - i;
          return new ExtData(type, data);
        }
      }
    }
    for (let i = 0; i < this.encoders.length; i++) {
      const encodeExt = this.encoders[i];
      if (encodeExt != null) {
        const data = encodeExt(object, context);
        if (data != null) {
          const type = i;
          return new ExtData(type, data);
        }
      }
    }
    if (object instanceof ExtData) {
      return object;
    }
    return null;
  }
  decode(data, type, context) {
    const decodeExt = type < 0 ? this.builtInDecoders[-1 - type] : this.decoders[type];
    if (decodeExt) {
      return decodeExt(data, type, context);
    } else {
      return new ExtData(type, data);
    }
  }
};
__publicField(_ExtensionCodec, "defaultCodec", new _ExtensionCodec());
var ExtensionCodec = _ExtensionCodec;

// node_modules/@msgpack/msgpack/dist.esm/utils/typedArrays.mjs
function isArrayBufferLike(buffer) {
  return buffer instanceof ArrayBuffer || typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer;
}
function ensureUint8Array(buffer) {
  if (buffer instanceof Uint8Array) {
    return buffer;
  } else if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } else if (isArrayBufferLike(buffer)) {
    return new Uint8Array(buffer);
  } else {
    return Uint8Array.from(buffer);
  }
}

// node_modules/@msgpack/msgpack/dist.esm/Encoder.mjs
var DEFAULT_MAX_DEPTH = 100;
var DEFAULT_INITIAL_BUFFER_SIZE = 2048;
var Encoder = class _Encoder {
  constructor(options) {
    __publicField(this, "extensionCodec");
    __publicField(this, "context");
    __publicField(this, "useBigInt64");
    __publicField(this, "maxDepth");
    __publicField(this, "initialBufferSize");
    __publicField(this, "sortKeys");
    __publicField(this, "forceFloat32");
    __publicField(this, "ignoreUndefined");
    __publicField(this, "forceIntegerToFloat");
    __publicField(this, "pos");
    __publicField(this, "view");
    __publicField(this, "bytes");
    __publicField(this, "entered", false);
    this.extensionCodec = options?.extensionCodec ?? ExtensionCodec.defaultCodec;
    this.context = options?.context;
    this.useBigInt64 = options?.useBigInt64 ?? false;
    this.maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.initialBufferSize = options?.initialBufferSize ?? DEFAULT_INITIAL_BUFFER_SIZE;
    this.sortKeys = options?.sortKeys ?? false;
    this.forceFloat32 = options?.forceFloat32 ?? false;
    this.ignoreUndefined = options?.ignoreUndefined ?? false;
    this.forceIntegerToFloat = options?.forceIntegerToFloat ?? false;
    this.pos = 0;
    this.view = new DataView(new ArrayBuffer(this.initialBufferSize));
    this.bytes = new Uint8Array(this.view.buffer);
  }
  clone() {
    return new _Encoder({
      extensionCodec: this.extensionCodec,
      context: this.context,
      useBigInt64: this.useBigInt64,
      maxDepth: this.maxDepth,
      initialBufferSize: this.initialBufferSize,
      sortKeys: this.sortKeys,
      forceFloat32: this.forceFloat32,
      ignoreUndefined: this.ignoreUndefined,
      forceIntegerToFloat: this.forceIntegerToFloat
    });
  }
  reinitializeState() {
    this.pos = 0;
  }
  /**
   * This is almost equivalent to {@link Encoder#encode}, but it returns an reference of the encoder's internal buffer and thus much faster than {@link Encoder#encode}.
   *
   * @returns Encodes the object and returns a shared reference the encoder's internal buffer.
   */
  encodeSharedRef(object) {
    if (this.entered) {
      const instance = this.clone();
      return instance.encodeSharedRef(object);
    }
    try {
      this.entered = true;
      this.reinitializeState();
      this.doEncode(object, 1);
      return this.bytes.subarray(0, this.pos);
    } finally {
      this.entered = false;
    }
  }
  /**
   * @returns Encodes the object and returns a copy of the encoder's internal buffer.
   */
  encode(object) {
    if (this.entered) {
      const instance = this.clone();
      return instance.encode(object);
    }
    try {
      this.entered = true;
      this.reinitializeState();
      this.doEncode(object, 1);
      return this.bytes.slice(0, this.pos);
    } finally {
      this.entered = false;
    }
  }
  doEncode(object, depth) {
    if (depth > this.maxDepth) {
      throw new Error(`Too deep objects in depth ${depth}`);
    }
    if (object == null) {
      this.encodeNil();
    } else if (typeof object === "boolean") {
      this.encodeBoolean(object);
    } else if (typeof object === "number") {
      if (!this.forceIntegerToFloat) {
        this.encodeNumber(object);
      } else {
        this.encodeNumberAsFloat(object);
      }
    } else if (typeof object === "string") {
      this.encodeString(object);
    } else if (this.useBigInt64 && typeof object === "bigint") {
      this.encodeBigInt64(object);
    } else {
      this.encodeObject(object, depth);
    }
  }
  ensureBufferSizeToWrite(sizeToWrite) {
    const requiredSize = this.pos + sizeToWrite;
    if (this.view.byteLength < requiredSize) {
      this.resizeBuffer(requiredSize * 2);
    }
  }
  resizeBuffer(newSize) {
    const newBuffer = new ArrayBuffer(newSize);
    const newBytes = new Uint8Array(newBuffer);
    const newView = new DataView(newBuffer);
    newBytes.set(this.bytes);
    this.view = newView;
    this.bytes = newBytes;
  }
  encodeNil() {
    this.writeU8(192);
  }
  encodeBoolean(object) {
    if (object === false) {
      this.writeU8(194);
    } else {
      this.writeU8(195);
    }
  }
  encodeNumber(object) {
    if (!this.forceIntegerToFloat && Number.isSafeInteger(object)) {
      if (object >= 0) {
        if (object < 128) {
          this.writeU8(object);
        } else if (object < 256) {
          this.writeU8(204);
          this.writeU8(object);
        } else if (object < 65536) {
          this.writeU8(205);
          this.writeU16(object);
        } else if (object < 4294967296) {
          this.writeU8(206);
          this.writeU32(object);
        } else if (!this.useBigInt64) {
          this.writeU8(207);
          this.writeU64(object);
        } else {
          this.encodeNumberAsFloat(object);
        }
      } else {
        if (object >= -32) {
          this.writeU8(224 | object + 32);
        } else if (object >= -128) {
          this.writeU8(208);
          this.writeI8(object);
        } else if (object >= -32768) {
          this.writeU8(209);
          this.writeI16(object);
        } else if (object >= -2147483648) {
          this.writeU8(210);
          this.writeI32(object);
        } else if (!this.useBigInt64) {
          this.writeU8(211);
          this.writeI64(object);
        } else {
          this.encodeNumberAsFloat(object);
        }
      }
    } else {
      this.encodeNumberAsFloat(object);
    }
  }
  encodeNumberAsFloat(object) {
    if (this.forceFloat32) {
      this.writeU8(202);
      this.writeF32(object);
    } else {
      this.writeU8(203);
      this.writeF64(object);
    }
  }
  encodeBigInt64(object) {
    if (object >= BigInt(0)) {
      this.writeU8(207);
      this.writeBigUint64(object);
    } else {
      this.writeU8(211);
      this.writeBigInt64(object);
    }
  }
  writeStringHeader(byteLength) {
    if (byteLength < 32) {
      this.writeU8(160 + byteLength);
    } else if (byteLength < 256) {
      this.writeU8(217);
      this.writeU8(byteLength);
    } else if (byteLength < 65536) {
      this.writeU8(218);
      this.writeU16(byteLength);
    } else if (byteLength < 4294967296) {
      this.writeU8(219);
      this.writeU32(byteLength);
    } else {
      throw new Error(`Too long string: ${byteLength} bytes in UTF-8`);
    }
  }
  encodeString(object) {
    const maxHeaderSize = 1 + 4;
    const byteLength = utf8Count(object);
    this.ensureBufferSizeToWrite(maxHeaderSize + byteLength);
    this.writeStringHeader(byteLength);
    utf8Encode(object, this.bytes, this.pos);
    this.pos += byteLength;
  }
  encodeObject(object, depth) {
    const ext = this.extensionCodec.tryToEncode(object, this.context);
    if (ext != null) {
      this.encodeExtension(ext);
    } else if (Array.isArray(object)) {
      this.encodeArray(object, depth);
    } else if (ArrayBuffer.isView(object)) {
      this.encodeBinary(object);
    } else if (typeof object === "object") {
      this.encodeMap(object, depth);
    } else {
      throw new Error(`Unrecognized object: ${Object.prototype.toString.apply(object)}`);
    }
  }
  encodeBinary(object) {
    const size = object.byteLength;
    if (size < 256) {
      this.writeU8(196);
      this.writeU8(size);
    } else if (size < 65536) {
      this.writeU8(197);
      this.writeU16(size);
    } else if (size < 4294967296) {
      this.writeU8(198);
      this.writeU32(size);
    } else {
      throw new Error(`Too large binary: ${size}`);
    }
    const bytes = ensureUint8Array(object);
    this.writeU8a(bytes);
  }
  encodeArray(object, depth) {
    const size = object.length;
    if (size < 16) {
      this.writeU8(144 + size);
    } else if (size < 65536) {
      this.writeU8(220);
      this.writeU16(size);
    } else if (size < 4294967296) {
      this.writeU8(221);
      this.writeU32(size);
    } else {
      throw new Error(`Too large array: ${size}`);
    }
    for (const item of object) {
      this.doEncode(item, depth + 1);
    }
  }
  countWithoutUndefined(object, keys) {
    let count = 0;
    for (const key of keys) {
      if (object[key] !== void 0) {
        count++;
      }
    }
    return count;
  }
  encodeMap(object, depth) {
    const keys = Object.keys(object);
    if (this.sortKeys) {
      keys.sort();
    }
    const size = this.ignoreUndefined ? this.countWithoutUndefined(object, keys) : keys.length;
    if (size < 16) {
      this.writeU8(128 + size);
    } else if (size < 65536) {
      this.writeU8(222);
      this.writeU16(size);
    } else if (size < 4294967296) {
      this.writeU8(223);
      this.writeU32(size);
    } else {
      throw new Error(`Too large map object: ${size}`);
    }
    for (const key of keys) {
      const value = object[key];
      if (!(this.ignoreUndefined && value === void 0)) {
        this.encodeString(key);
        this.doEncode(value, depth + 1);
      }
    }
  }
  encodeExtension(ext) {
    if (typeof ext.data === "function") {
      const data = ext.data(this.pos + 6);
      const size2 = data.length;
      if (size2 >= 4294967296) {
        throw new Error(`Too large extension object: ${size2}`);
      }
      this.writeU8(201);
      this.writeU32(size2);
      this.writeI8(ext.type);
      this.writeU8a(data);
      return;
    }
    const size = ext.data.length;
    if (size === 1) {
      this.writeU8(212);
    } else if (size === 2) {
      this.writeU8(213);
    } else if (size === 4) {
      this.writeU8(214);
    } else if (size === 8) {
      this.writeU8(215);
    } else if (size === 16) {
      this.writeU8(216);
    } else if (size < 256) {
      this.writeU8(199);
      this.writeU8(size);
    } else if (size < 65536) {
      this.writeU8(200);
      this.writeU16(size);
    } else if (size < 4294967296) {
      this.writeU8(201);
      this.writeU32(size);
    } else {
      throw new Error(`Too large extension object: ${size}`);
    }
    this.writeI8(ext.type);
    this.writeU8a(ext.data);
  }
  writeU8(value) {
    this.ensureBufferSizeToWrite(1);
    this.view.setUint8(this.pos, value);
    this.pos++;
  }
  writeU8a(values) {
    const size = values.length;
    this.ensureBufferSizeToWrite(size);
    this.bytes.set(values, this.pos);
    this.pos += size;
  }
  writeI8(value) {
    this.ensureBufferSizeToWrite(1);
    this.view.setInt8(this.pos, value);
    this.pos++;
  }
  writeU16(value) {
    this.ensureBufferSizeToWrite(2);
    this.view.setUint16(this.pos, value);
    this.pos += 2;
  }
  writeI16(value) {
    this.ensureBufferSizeToWrite(2);
    this.view.setInt16(this.pos, value);
    this.pos += 2;
  }
  writeU32(value) {
    this.ensureBufferSizeToWrite(4);
    this.view.setUint32(this.pos, value);
    this.pos += 4;
  }
  writeI32(value) {
    this.ensureBufferSizeToWrite(4);
    this.view.setInt32(this.pos, value);
    this.pos += 4;
  }
  writeF32(value) {
    this.ensureBufferSizeToWrite(4);
    this.view.setFloat32(this.pos, value);
    this.pos += 4;
  }
  writeF64(value) {
    this.ensureBufferSizeToWrite(8);
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }
  writeU64(value) {
    this.ensureBufferSizeToWrite(8);
    setUint64(this.view, this.pos, value);
    this.pos += 8;
  }
  writeI64(value) {
    this.ensureBufferSizeToWrite(8);
    setInt64(this.view, this.pos, value);
    this.pos += 8;
  }
  writeBigUint64(value) {
    this.ensureBufferSizeToWrite(8);
    this.view.setBigUint64(this.pos, value);
    this.pos += 8;
  }
  writeBigInt64(value) {
    this.ensureBufferSizeToWrite(8);
    this.view.setBigInt64(this.pos, value);
    this.pos += 8;
  }
};

// node_modules/@msgpack/msgpack/dist.esm/utils/prettyByte.mjs
function prettyByte(byte) {
  return `${byte < 0 ? "-" : ""}0x${Math.abs(byte).toString(16).padStart(2, "0")}`;
}

// node_modules/@msgpack/msgpack/dist.esm/CachedKeyDecoder.mjs
var DEFAULT_MAX_KEY_LENGTH = 16;
var DEFAULT_MAX_LENGTH_PER_KEY = 16;
var CachedKeyDecoder = class {
  constructor(maxKeyLength = DEFAULT_MAX_KEY_LENGTH, maxLengthPerKey = DEFAULT_MAX_LENGTH_PER_KEY) {
    __publicField(this, "hit", 0);
    __publicField(this, "miss", 0);
    __publicField(this, "caches");
    __publicField(this, "maxKeyLength");
    __publicField(this, "maxLengthPerKey");
    this.maxKeyLength = maxKeyLength;
    this.maxLengthPerKey = maxLengthPerKey;
    this.caches = [];
    for (let i = 0; i < this.maxKeyLength; i++) {
      this.caches.push([]);
    }
  }
  canBeCached(byteLength) {
    return byteLength > 0 && byteLength <= this.maxKeyLength;
  }
  find(bytes, inputOffset, byteLength) {
    const records = this.caches[byteLength - 1];
    FIND_CHUNK: for (const record of records) {
      const recordBytes = record.bytes;
      for (let j = 0; j < byteLength; j++) {
        if (recordBytes[j] !== bytes[inputOffset + j]) {
          continue FIND_CHUNK;
        }
      }
      return record.str;
    }
    return null;
  }
  store(bytes, value) {
    const records = this.caches[bytes.length - 1];
    const record = { bytes, str: value };
    if (records.length >= this.maxLengthPerKey) {
      records[Math.random() * records.length | 0] = record;
    } else {
      records.push(record);
    }
  }
  decode(bytes, inputOffset, byteLength) {
    const cachedValue = this.find(bytes, inputOffset, byteLength);
    if (cachedValue != null) {
      this.hit++;
      return cachedValue;
    }
    this.miss++;
    const str = utf8DecodeJs(bytes, inputOffset, byteLength);
    const slicedCopyOfBytes = Uint8Array.prototype.slice.call(bytes, inputOffset, inputOffset + byteLength);
    this.store(slicedCopyOfBytes, str);
    return str;
  }
};

// node_modules/@msgpack/msgpack/dist.esm/Decoder.mjs
var STATE_ARRAY = "array";
var STATE_MAP_KEY = "map_key";
var STATE_MAP_VALUE = "map_value";
var mapKeyConverter = (key) => {
  if (typeof key === "string" || typeof key === "number") {
    return key;
  }
  throw new DecodeError("The type of key must be string or number but " + typeof key);
};
var StackPool = class {
  constructor() {
    __publicField(this, "stack", []);
    __publicField(this, "stackHeadPosition", -1);
  }
  get length() {
    return this.stackHeadPosition + 1;
  }
  top() {
    return this.stack[this.stackHeadPosition];
  }
  pushArrayState(size) {
    const state = this.getUninitializedStateFromPool();
    state.type = STATE_ARRAY;
    state.position = 0;
    state.size = size;
    state.array = new Array(size);
  }
  pushMapState(size) {
    const state = this.getUninitializedStateFromPool();
    state.type = STATE_MAP_KEY;
    state.readCount = 0;
    state.size = size;
    state.map = {};
  }
  getUninitializedStateFromPool() {
    this.stackHeadPosition++;
    if (this.stackHeadPosition === this.stack.length) {
      const partialState = {
        type: void 0,
        size: 0,
        array: void 0,
        position: 0,
        readCount: 0,
        map: void 0,
        key: null
      };
      this.stack.push(partialState);
    }
    return this.stack[this.stackHeadPosition];
  }
  release(state) {
    const topStackState = this.stack[this.stackHeadPosition];
    if (topStackState !== state) {
      throw new Error("Invalid stack state. Released state is not on top of the stack.");
    }
    if (state.type === STATE_ARRAY) {
      const partialState = state;
      partialState.size = 0;
      partialState.array = void 0;
      partialState.position = 0;
      partialState.type = void 0;
    }
    if (state.type === STATE_MAP_KEY || state.type === STATE_MAP_VALUE) {
      const partialState = state;
      partialState.size = 0;
      partialState.map = void 0;
      partialState.readCount = 0;
      partialState.type = void 0;
    }
    this.stackHeadPosition--;
  }
  reset() {
    this.stack.length = 0;
    this.stackHeadPosition = -1;
  }
};
var HEAD_BYTE_REQUIRED = -1;
var EMPTY_VIEW = new DataView(new ArrayBuffer(0));
var EMPTY_BYTES = new Uint8Array(EMPTY_VIEW.buffer);
try {
  EMPTY_VIEW.getInt8(0);
} catch (e) {
  if (!(e instanceof RangeError)) {
    throw new Error("This module is not supported in the current JavaScript engine because DataView does not throw RangeError on out-of-bounds access");
  }
}
var MORE_DATA = new RangeError("Insufficient data");
var sharedCachedKeyDecoder = new CachedKeyDecoder();
var Decoder = class _Decoder {
  constructor(options) {
    __publicField(this, "extensionCodec");
    __publicField(this, "context");
    __publicField(this, "useBigInt64");
    __publicField(this, "rawStrings");
    __publicField(this, "maxStrLength");
    __publicField(this, "maxBinLength");
    __publicField(this, "maxArrayLength");
    __publicField(this, "maxMapLength");
    __publicField(this, "maxExtLength");
    __publicField(this, "keyDecoder");
    __publicField(this, "mapKeyConverter");
    __publicField(this, "totalPos", 0);
    __publicField(this, "pos", 0);
    __publicField(this, "view", EMPTY_VIEW);
    __publicField(this, "bytes", EMPTY_BYTES);
    __publicField(this, "headByte", HEAD_BYTE_REQUIRED);
    __publicField(this, "stack", new StackPool());
    __publicField(this, "entered", false);
    this.extensionCodec = options?.extensionCodec ?? ExtensionCodec.defaultCodec;
    this.context = options?.context;
    this.useBigInt64 = options?.useBigInt64 ?? false;
    this.rawStrings = options?.rawStrings ?? false;
    this.maxStrLength = options?.maxStrLength ?? UINT32_MAX;
    this.maxBinLength = options?.maxBinLength ?? UINT32_MAX;
    this.maxArrayLength = options?.maxArrayLength ?? UINT32_MAX;
    this.maxMapLength = options?.maxMapLength ?? UINT32_MAX;
    this.maxExtLength = options?.maxExtLength ?? UINT32_MAX;
    this.keyDecoder = options?.keyDecoder !== void 0 ? options.keyDecoder : sharedCachedKeyDecoder;
    this.mapKeyConverter = options?.mapKeyConverter ?? mapKeyConverter;
  }
  clone() {
    return new _Decoder({
      extensionCodec: this.extensionCodec,
      context: this.context,
      useBigInt64: this.useBigInt64,
      rawStrings: this.rawStrings,
      maxStrLength: this.maxStrLength,
      maxBinLength: this.maxBinLength,
      maxArrayLength: this.maxArrayLength,
      maxMapLength: this.maxMapLength,
      maxExtLength: this.maxExtLength,
      keyDecoder: this.keyDecoder
    });
  }
  reinitializeState() {
    this.totalPos = 0;
    this.headByte = HEAD_BYTE_REQUIRED;
    this.stack.reset();
  }
  setBuffer(buffer) {
    const bytes = ensureUint8Array(buffer);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }
  appendBuffer(buffer) {
    if (this.headByte === HEAD_BYTE_REQUIRED && !this.hasRemaining(1)) {
      this.setBuffer(buffer);
    } else {
      const remainingData = this.bytes.subarray(this.pos);
      const newData = ensureUint8Array(buffer);
      const newBuffer = new Uint8Array(remainingData.length + newData.length);
      newBuffer.set(remainingData);
      newBuffer.set(newData, remainingData.length);
      this.setBuffer(newBuffer);
    }
  }
  hasRemaining(size) {
    return this.view.byteLength - this.pos >= size;
  }
  createExtraByteError(posToShow) {
    const { view, pos } = this;
    return new RangeError(`Extra ${view.byteLength - pos} of ${view.byteLength} byte(s) found at buffer[${posToShow}]`);
  }
  /**
   * @throws {@link DecodeError}
   * @throws {@link RangeError}
   */
  decode(buffer) {
    if (this.entered) {
      const instance = this.clone();
      return instance.decode(buffer);
    }
    try {
      this.entered = true;
      this.reinitializeState();
      this.setBuffer(buffer);
      const object = this.doDecodeSync();
      if (this.hasRemaining(1)) {
        throw this.createExtraByteError(this.pos);
      }
      return object;
    } finally {
      this.entered = false;
    }
  }
  *decodeMulti(buffer) {
    if (this.entered) {
      const instance = this.clone();
      yield* instance.decodeMulti(buffer);
      return;
    }
    try {
      this.entered = true;
      this.reinitializeState();
      this.setBuffer(buffer);
      while (this.hasRemaining(1)) {
        yield this.doDecodeSync();
      }
    } finally {
      this.entered = false;
    }
  }
  async decodeAsync(stream) {
    if (this.entered) {
      const instance = this.clone();
      return instance.decodeAsync(stream);
    }
    try {
      this.entered = true;
      let decoded = false;
      let object;
      for await (const buffer of stream) {
        if (decoded) {
          this.entered = false;
          throw this.createExtraByteError(this.totalPos);
        }
        this.appendBuffer(buffer);
        try {
          object = this.doDecodeSync();
          decoded = true;
        } catch (e) {
          if (!(e instanceof RangeError)) {
            throw e;
          }
        }
        this.totalPos += this.pos;
      }
      if (decoded) {
        if (this.hasRemaining(1)) {
          throw this.createExtraByteError(this.totalPos);
        }
        return object;
      }
      const { headByte, pos, totalPos } = this;
      throw new RangeError(`Insufficient data in parsing ${prettyByte(headByte)} at ${totalPos} (${pos} in the current buffer)`);
    } finally {
      this.entered = false;
    }
  }
  decodeArrayStream(stream) {
    return this.decodeMultiAsync(stream, true);
  }
  decodeStream(stream) {
    return this.decodeMultiAsync(stream, false);
  }
  async *decodeMultiAsync(stream, isArray) {
    if (this.entered) {
      const instance = this.clone();
      yield* instance.decodeMultiAsync(stream, isArray);
      return;
    }
    try {
      this.entered = true;
      let isArrayHeaderRequired = isArray;
      let arrayItemsLeft = -1;
      for await (const buffer of stream) {
        if (isArray && arrayItemsLeft === 0) {
          throw this.createExtraByteError(this.totalPos);
        }
        this.appendBuffer(buffer);
        if (isArrayHeaderRequired) {
          arrayItemsLeft = this.readArraySize();
          isArrayHeaderRequired = false;
          this.complete();
        }
        try {
          while (true) {
            yield this.doDecodeSync();
            if (--arrayItemsLeft === 0) {
              break;
            }
          }
        } catch (e) {
          if (!(e instanceof RangeError)) {
            throw e;
          }
        }
        this.totalPos += this.pos;
      }
    } finally {
      this.entered = false;
    }
  }
  doDecodeSync() {
    DECODE: while (true) {
      const headByte = this.readHeadByte();
      let object;
      if (headByte >= 224) {
        object = headByte - 256;
      } else if (headByte < 192) {
        if (headByte < 128) {
          object = headByte;
        } else if (headByte < 144) {
          const size = headByte - 128;
          if (size !== 0) {
            this.pushMapState(size);
            this.complete();
            continue DECODE;
          } else {
            object = {};
          }
        } else if (headByte < 160) {
          const size = headByte - 144;
          if (size !== 0) {
            this.pushArrayState(size);
            this.complete();
            continue DECODE;
          } else {
            object = [];
          }
        } else {
          const byteLength = headByte - 160;
          object = this.decodeString(byteLength, 0);
        }
      } else if (headByte === 192) {
        object = null;
      } else if (headByte === 194) {
        object = false;
      } else if (headByte === 195) {
        object = true;
      } else if (headByte === 202) {
        object = this.readF32();
      } else if (headByte === 203) {
        object = this.readF64();
      } else if (headByte === 204) {
        object = this.readU8();
      } else if (headByte === 205) {
        object = this.readU16();
      } else if (headByte === 206) {
        object = this.readU32();
      } else if (headByte === 207) {
        if (this.useBigInt64) {
          object = this.readU64AsBigInt();
        } else {
          object = this.readU64();
        }
      } else if (headByte === 208) {
        object = this.readI8();
      } else if (headByte === 209) {
        object = this.readI16();
      } else if (headByte === 210) {
        object = this.readI32();
      } else if (headByte === 211) {
        if (this.useBigInt64) {
          object = this.readI64AsBigInt();
        } else {
          object = this.readI64();
        }
      } else if (headByte === 217) {
        const byteLength = this.lookU8();
        object = this.decodeString(byteLength, 1);
      } else if (headByte === 218) {
        const byteLength = this.lookU16();
        object = this.decodeString(byteLength, 2);
      } else if (headByte === 219) {
        const byteLength = this.lookU32();
        object = this.decodeString(byteLength, 4);
      } else if (headByte === 220) {
        const size = this.readU16();
        if (size !== 0) {
          this.pushArrayState(size);
          this.complete();
          continue DECODE;
        } else {
          object = [];
        }
      } else if (headByte === 221) {
        const size = this.readU32();
        if (size !== 0) {
          this.pushArrayState(size);
          this.complete();
          continue DECODE;
        } else {
          object = [];
        }
      } else if (headByte === 222) {
        const size = this.readU16();
        if (size !== 0) {
          this.pushMapState(size);
          this.complete();
          continue DECODE;
        } else {
          object = {};
        }
      } else if (headByte === 223) {
        const size = this.readU32();
        if (size !== 0) {
          this.pushMapState(size);
          this.complete();
          continue DECODE;
        } else {
          object = {};
        }
      } else if (headByte === 196) {
        const size = this.lookU8();
        object = this.decodeBinary(size, 1);
      } else if (headByte === 197) {
        const size = this.lookU16();
        object = this.decodeBinary(size, 2);
      } else if (headByte === 198) {
        const size = this.lookU32();
        object = this.decodeBinary(size, 4);
      } else if (headByte === 212) {
        object = this.decodeExtension(1, 0);
      } else if (headByte === 213) {
        object = this.decodeExtension(2, 0);
      } else if (headByte === 214) {
        object = this.decodeExtension(4, 0);
      } else if (headByte === 215) {
        object = this.decodeExtension(8, 0);
      } else if (headByte === 216) {
        object = this.decodeExtension(16, 0);
      } else if (headByte === 199) {
        const size = this.lookU8();
        object = this.decodeExtension(size, 1);
      } else if (headByte === 200) {
        const size = this.lookU16();
        object = this.decodeExtension(size, 2);
      } else if (headByte === 201) {
        const size = this.lookU32();
        object = this.decodeExtension(size, 4);
      } else {
        throw new DecodeError(`Unrecognized type byte: ${prettyByte(headByte)}`);
      }
      this.complete();
      const stack = this.stack;
      while (stack.length > 0) {
        const state = stack.top();
        if (state.type === STATE_ARRAY) {
          state.array[state.position] = object;
          state.position++;
          if (state.position === state.size) {
            object = state.array;
            stack.release(state);
          } else {
            continue DECODE;
          }
        } else if (state.type === STATE_MAP_KEY) {
          if (object === "__proto__") {
            throw new DecodeError("The key __proto__ is not allowed");
          }
          state.key = this.mapKeyConverter(object);
          state.type = STATE_MAP_VALUE;
          continue DECODE;
        } else {
          state.map[state.key] = object;
          state.readCount++;
          if (state.readCount === state.size) {
            object = state.map;
            stack.release(state);
          } else {
            state.key = null;
            state.type = STATE_MAP_KEY;
            continue DECODE;
          }
        }
      }
      return object;
    }
  }
  readHeadByte() {
    if (this.headByte === HEAD_BYTE_REQUIRED) {
      this.headByte = this.readU8();
    }
    return this.headByte;
  }
  complete() {
    this.headByte = HEAD_BYTE_REQUIRED;
  }
  readArraySize() {
    const headByte = this.readHeadByte();
    switch (headByte) {
      case 220:
        return this.readU16();
      case 221:
        return this.readU32();
      default: {
        if (headByte < 160) {
          return headByte - 144;
        } else {
          throw new DecodeError(`Unrecognized array type byte: ${prettyByte(headByte)}`);
        }
      }
    }
  }
  pushMapState(size) {
    if (size > this.maxMapLength) {
      throw new DecodeError(`Max length exceeded: map length (${size}) > maxMapLengthLength (${this.maxMapLength})`);
    }
    this.stack.pushMapState(size);
  }
  pushArrayState(size) {
    if (size > this.maxArrayLength) {
      throw new DecodeError(`Max length exceeded: array length (${size}) > maxArrayLength (${this.maxArrayLength})`);
    }
    this.stack.pushArrayState(size);
  }
  decodeString(byteLength, headerOffset) {
    if (!this.rawStrings || this.stateIsMapKey()) {
      return this.decodeUtf8String(byteLength, headerOffset);
    }
    return this.decodeBinary(byteLength, headerOffset);
  }
  /**
   * @throws {@link RangeError}
   */
  decodeUtf8String(byteLength, headerOffset) {
    if (byteLength > this.maxStrLength) {
      throw new DecodeError(`Max length exceeded: UTF-8 byte length (${byteLength}) > maxStrLength (${this.maxStrLength})`);
    }
    if (this.bytes.byteLength < this.pos + headerOffset + byteLength) {
      throw MORE_DATA;
    }
    const offset = this.pos + headerOffset;
    let object;
    if (this.stateIsMapKey() && this.keyDecoder?.canBeCached(byteLength)) {
      object = this.keyDecoder.decode(this.bytes, offset, byteLength);
    } else {
      object = utf8Decode(this.bytes, offset, byteLength);
    }
    this.pos += headerOffset + byteLength;
    return object;
  }
  stateIsMapKey() {
    if (this.stack.length > 0) {
      const state = this.stack.top();
      return state.type === STATE_MAP_KEY;
    }
    return false;
  }
  /**
   * @throws {@link RangeError}
   */
  decodeBinary(byteLength, headOffset) {
    if (byteLength > this.maxBinLength) {
      throw new DecodeError(`Max length exceeded: bin length (${byteLength}) > maxBinLength (${this.maxBinLength})`);
    }
    if (!this.hasRemaining(byteLength + headOffset)) {
      throw MORE_DATA;
    }
    const offset = this.pos + headOffset;
    const object = this.bytes.subarray(offset, offset + byteLength);
    this.pos += headOffset + byteLength;
    return object;
  }
  decodeExtension(size, headOffset) {
    if (size > this.maxExtLength) {
      throw new DecodeError(`Max length exceeded: ext length (${size}) > maxExtLength (${this.maxExtLength})`);
    }
    const extType = this.view.getInt8(this.pos + headOffset);
    const data = this.decodeBinary(
      size,
      headOffset + 1
      /* extType */
    );
    return this.extensionCodec.decode(data, extType, this.context);
  }
  lookU8() {
    return this.view.getUint8(this.pos);
  }
  lookU16() {
    return this.view.getUint16(this.pos);
  }
  lookU32() {
    return this.view.getUint32(this.pos);
  }
  readU8() {
    const value = this.view.getUint8(this.pos);
    this.pos++;
    return value;
  }
  readI8() {
    const value = this.view.getInt8(this.pos);
    this.pos++;
    return value;
  }
  readU16() {
    const value = this.view.getUint16(this.pos);
    this.pos += 2;
    return value;
  }
  readI16() {
    const value = this.view.getInt16(this.pos);
    this.pos += 2;
    return value;
  }
  readU32() {
    const value = this.view.getUint32(this.pos);
    this.pos += 4;
    return value;
  }
  readI32() {
    const value = this.view.getInt32(this.pos);
    this.pos += 4;
    return value;
  }
  readU64() {
    const value = getUint64(this.view, this.pos);
    this.pos += 8;
    return value;
  }
  readI64() {
    const value = getInt64(this.view, this.pos);
    this.pos += 8;
    return value;
  }
  readU64AsBigInt() {
    const value = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return value;
  }
  readI64AsBigInt() {
    const value = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return value;
  }
  readF32() {
    const value = this.view.getFloat32(this.pos);
    this.pos += 4;
    return value;
  }
  readF64() {
    const value = this.view.getFloat64(this.pos);
    this.pos += 8;
    return value;
  }
};

// src/codec.ts
var json = {
  subprotocol: "groupcast.json",
  encode: (frame) => JSON.stringify(frame),
  decode: (data) => JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(asBytes(data)))
};
function msgpack() {
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  return {
    subprotocol: "groupcast.msgpack",
    encode: (frame) => encoder.encode(frame),
    decode: (data) => decoder.decode(asBytes(data))
  };
}
function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("a binary frame was expected");
}
function codecFor(name) {
  if (name === void 0 || name === "json") return json;
  if (name === "msgpack") return msgpack();
  throw new TypeError(`codec must be "json" or "msgpack", not ${JSON.stringify(name)}`);
}

// src/constants.ts
var EVENT = Object.freeze({
  SDK_READY: "sdkStateReady",
  SDK_NOT_READY: "sdkStateNotReady",
  SDK_DESTROY: "sdkDestroy",
  MESSAGE_RECEIVED: "onMessageReceived",
  MESSAGE_MODIFIED: "onMessageModified",
  MESSAGE_REVOKED: "onMessageRevoked",
  MESSAGE_READ_BY_PEER: "onMessageReadByPeer",
  MESSAGE_READ_RECEIPT_RECEIVED: "onMessageReadReceiptReceived",
  CONVERSATION_LIST_UPDATED: "onConversationListUpdated",
  TOTAL_UNREAD_MESSAGE_COUNT_UPDATED: "onTotalUnreadMessageCountUpdated",
  GROUP_LIST_UPDATED: "onGroupListUpdated",
  GROUP_ATTRIBUTES_UPDATED: "groupAttributesUpdated",
  GROUP_SYSTEM_NOTICE_RECEIVED: "receiveGroupSystemNotice",
  PROFILE_UPDATED: "onProfileUpdated",
  KICKED_OUT: "kickedOut",
  NET_STATE_CHANGE: "netStateChange",
  ERROR: "error"
});
var TYPES = Object.freeze({
  // message types (`message.type`)
  MSG_TEXT: "TIMTextElem",
  MSG_IMAGE: "TIMImageElem",
  MSG_SOUND: "TIMSoundElem",
  MSG_AUDIO: "TIMSoundElem",
  MSG_FILE: "TIMFileElem",
  MSG_VIDEO: "TIMVideoFileElem",
  MSG_FACE: "TIMFaceElem",
  MSG_LOCATION: "TIMLocationElem",
  MSG_GEO: "TIMLocationElem",
  MSG_CUSTOM: "TIMCustomElem",
  MSG_MERGER: "TIMRelayElem",
  MSG_GRP_TIP: "TIMGroupTipElem",
  MSG_GRP_SYS_NOTICE: "TIMGroupSystemNoticeElem",
  // message priority
  MSG_PRIORITY_HIGH: "High",
  MSG_PRIORITY_NORMAL: "Normal",
  MSG_PRIORITY_LOW: "Low",
  MSG_PRIORITY_LOWEST: "Lowest",
  MSG_AT_ALL: "__kImSDK_MesssageAtALL__",
  // conversations
  CONV_C2C: "C2C",
  CONV_GROUP: "GROUP",
  CONV_SYSTEM: "@TIM#SYSTEM",
  // group types (Work and Meeting keep their legacy wire names, as in Tencent's SDK)
  GRP_WORK: "Private",
  GRP_PRIVATE: "Private",
  GRP_PUBLIC: "Public",
  GRP_MEETING: "ChatRoom",
  GRP_CHATROOM: "ChatRoom",
  GRP_AVCHATROOM: "AVChatRoom",
  GRP_COMMUNITY: "Community",
  // member roles
  GRP_MBR_ROLE_OWNER: "Owner",
  GRP_MBR_ROLE_ADMIN: "Admin",
  GRP_MBR_ROLE_MEMBER: "Member",
  GRP_MBR_ROLE_CUSTOM: "Custom",
  // group tips (`message.payload.operationType` of a MSG_GRP_TIP)
  GRP_TIP_MBR_JOIN: 1,
  GRP_TIP_MBR_QUIT: 2,
  GRP_TIP_MBR_KICKED_OUT: 3,
  GRP_TIP_MBR_SET_ADMIN: 4,
  GRP_TIP_MBR_CANCELED_ADMIN: 5,
  GRP_TIP_GRP_PROFILE_UPDATED: 6,
  GRP_TIP_MBR_PROFILE_UPDATED: 7,
  // receive options
  MSG_REMIND_ACPT_AND_NOTE: "AcceptAndNotify",
  MSG_REMIND_ACPT_NOT_NOTE: "AcceptNotNotify",
  MSG_REMIND_DISCARD: "Discard",
  // join options and results
  JOIN_OPTIONS_FREE_ACCESS: "FreeAccess",
  JOIN_OPTIONS_NEED_PERMISSION: "NeedPermission",
  JOIN_OPTIONS_DISABLE_APPLY: "DisableApply",
  JOIN_STATUS_SUCCESS: "JoinedSuccess",
  JOIN_STATUS_ALREADY_IN_GROUP: "AlreadyInGroup",
  JOIN_STATUS_WAIT_APPROVAL: "WaitAdminApproval",
  // group profile filter keys
  GRP_PROFILE_OWNER_ID: "ownerID",
  GRP_PROFILE_CREATE_TIME: "createTime",
  GRP_PROFILE_LAST_INFO_TIME: "lastInfoTime",
  GRP_PROFILE_MEMBER_NUM: "memberNum",
  GRP_PROFILE_MAX_MEMBER_NUM: "maxMemberNum",
  GRP_PROFILE_JOIN_OPTION: "joinOption",
  GRP_PROFILE_INTRODUCTION: "introduction",
  GRP_PROFILE_NOTIFICATION: "notification",
  GRP_PROFILE_MUTE_ALL_MBRS: "muteAllMembers",
  // why a session ended (`KICKED_OUT` event's `data.type`)
  KICKED_OUT_MULT_ACCOUNT: "multipleAccount",
  KICKED_OUT_MULT_DEVICE: "multipleDevice",
  KICKED_OUT_USERSIG_EXPIRED: "userSigExpired",
  KICKED_OUT_REST_API: "REST_API_Kick",
  // network state (`NET_STATE_CHANGE` event's `data.state`)
  NET_STATE_CONNECTED: "connected",
  NET_STATE_CONNECTING: "connecting",
  NET_STATE_DISCONNECTED: "disconnected"
});
var SDK_ERROR = Object.freeze({
  /** An argument is missing or of the wrong type. */
  INVALID_ARGUMENT: 2901,
  /** Not logged in (call `login` first), or logged out meanwhile. */
  NOT_LOGGED_IN: 2902,
  /** The connection dropped before the reply came: the request may or may not have run. */
  CONNECTION_LOST: 2903,
  /** No reply in time. */
  TIMEOUT: 2904,
  /** The instance was destroyed. */
  DESTROYED: 2905,
  /** Not available in groupcast (C2C conversations, media messages until the server takes them). */
  UNSUPPORTED: 2906,
  /** No server could be reached (every URL was tried). */
  CONNECT_FAILED: 2907
});

// src/convert.ts
var text = (value) => typeof value === "string" ? value : "";
var number = (value) => typeof value === "number" ? value : 0;
function messageID(groupID, senderID, random) {
  return `${groupID}-${senderID}-${random}`;
}
var ELEMENT_FIELDS = {
  [TYPES.MSG_TEXT]: [["text", "Text", "string"]],
  [TYPES.MSG_CUSTOM]: [
    ["data", "Data", "string"],
    ["description", "Desc", "string"],
    ["extension", "Ext", "string"]
  ],
  [TYPES.MSG_FACE]: [
    ["index", "Index", "number"],
    ["data", "Data", "string"]
  ],
  [TYPES.MSG_LOCATION]: [
    ["description", "Desc", "string"],
    ["longitude", "Longitude", "number"],
    ["latitude", "Latitude", "number"]
  ]
};
function rename(source, fields2, toWire) {
  const out = {};
  for (const [sdkName, wireName, kind] of fields2) {
    const value = source[toWire ? sdkName : wireName];
    out[toWire ? wireName : sdkName] = kind === "string" ? text(value) : number(value);
  }
  return out;
}
function elementFromWire(elem) {
  const fields2 = ELEMENT_FIELDS[elem.MsgType];
  const content = elem.MsgContent ?? {};
  return { type: elem.MsgType, payload: fields2 ? rename(content, fields2, false) : { ...content } };
}
function elementToWire(element) {
  const fields2 = ELEMENT_FIELDS[element.type];
  const payload = element.payload;
  return { MsgType: element.type, MsgContent: fields2 ? rename(payload, fields2, true) : { ...payload } };
}
function blank() {
  return {
    ID: "",
    type: TYPES.MSG_TEXT,
    payload: { text: "" },
    conversationID: "",
    conversationType: TYPES.CONV_GROUP,
    to: "",
    from: "",
    flow: "in",
    time: 0,
    status: "success",
    isRevoked: false,
    revoker: "",
    revokeReason: "",
    priority: TYPES.MSG_PRIORITY_NORMAL,
    nick: "",
    avatar: "",
    nameCard: "",
    atUserList: [],
    cloudCustomData: "",
    isPeerRead: false,
    isRead: false,
    sequence: 0,
    random: 0,
    protocol: "JSON",
    elements: [],
    noNotify: false
  };
}
function outgoingMessage(me, groupID, element, random, priority, cloudCustomData) {
  return {
    ...blank(),
    ID: messageID(groupID, me, random),
    type: element.type,
    payload: element.payload,
    elements: [element],
    conversationID: TYPES.CONV_GROUP + groupID,
    to: groupID,
    from: me,
    flow: "out",
    time: Math.floor(Date.now() / 1e3),
    status: "unSend",
    priority: priority ?? TYPES.MSG_PRIORITY_NORMAL,
    cloudCustomData: cloudCustomData ?? "",
    random
  };
}
function messageFromWire(me, m) {
  const elements = (m.msgBody ?? []).map(elementFromWire);
  const first = elements[0] ?? { type: TYPES.MSG_TEXT, payload: { text: "" } };
  return {
    ...blank(),
    ID: messageID(m.groupID, m.senderID, m.random),
    type: first.type,
    payload: first.payload,
    elements,
    conversationID: TYPES.CONV_GROUP + m.groupID,
    to: m.groupID,
    from: m.senderID,
    flow: m.senderID === me ? "out" : "in",
    time: m.time,
    isRevoked: m.recalled === true,
    priority: m.priority ?? TYPES.MSG_PRIORITY_NORMAL,
    cloudCustomData: m.cloudCustomData ?? "",
    sequence: m.seq,
    random: m.random,
    noNotify: m.noNotify === true
  };
}
var liveOnly = 0;
function tipFromWire(t) {
  const payload = {
    operatorID: t.operatorID ?? "",
    operationType: t.operationType,
    userIDList: t.userIDList ?? [],
    newGroupProfile: t.newGroupProfile ? profileChange(t.newGroupProfile) : null,
    memberList: (t.memberList ?? []).map((change) => {
      const entry = { userID: change.userID };
      if (change.muteTime !== void 0) entry.muteTime = change.muteTime;
      if (change.nameCard !== void 0) entry.nameCard = change.nameCard;
      if (change.memberCustomField !== void 0) entry.memberCustomField = fields(change.memberCustomField);
      return entry;
    }),
    memberNum: t.memberCount ?? 0,
    joinType: t.joinType ?? ""
  };
  const element = { type: TYPES.MSG_GRP_TIP, payload };
  return {
    ...blank(),
    ID: t.seq ? `${t.groupID}-tip-${t.seq}` : `${t.groupID}-tip-live-${++liveOnly}`,
    type: TYPES.MSG_GRP_TIP,
    payload,
    elements: [element],
    conversationID: TYPES.CONV_GROUP + t.groupID,
    to: t.groupID,
    from: t.operatorID ?? "",
    time: t.time ?? 0,
    sequence: t.seq
  };
}
function noticeFromWire(me, n) {
  const payload = {
    operatorID: n.operatorID ?? "",
    operationType: n.operationType,
    groupProfile: { groupID: n.groupID, name: n.groupName ?? "" },
    handleMessage: n.handleMessage ?? "",
    userDefinedField: n.userDefinedField ?? "",
    applicationID: n.applicationID ?? "",
    messageRemindType: n.messageRemindType ?? ""
  };
  const element = { type: TYPES.MSG_GRP_SYS_NOTICE, payload };
  return {
    ...blank(),
    ID: n.seq ? `${TYPES.CONV_SYSTEM}-${me}-${n.seq}` : `${TYPES.CONV_SYSTEM}-${me}-live-${++liveOnly}`,
    type: TYPES.MSG_GRP_SYS_NOTICE,
    payload,
    elements: [element],
    conversationID: TYPES.CONV_SYSTEM,
    conversationType: TYPES.CONV_SYSTEM,
    to: me,
    from: TYPES.CONV_SYSTEM,
    time: n.time ?? 0,
    sequence: n.seq
  };
}
function fields(list) {
  return (list ?? []).map(({ key, value }) => ({ key, value }));
}
function groupFromWire(g) {
  const self = g.selfInfo;
  const next = g.nextMessageSeq ?? 1;
  return {
    groupID: g.groupID,
    name: g.name,
    avatar: g.avatar ?? "",
    type: g.type,
    introduction: g.introduction ?? "",
    notification: g.notification ?? "",
    ownerID: g.ownerID ?? "",
    createTime: g.createTime ?? 0,
    infoSequence: g.infoSequence ?? 0,
    lastInfoTime: g.lastInfoTime ?? 0,
    selfInfo: {
      role: self?.role ?? "",
      messageRemindType: self?.messageRemindType ?? "",
      joinTime: self?.joinTime ?? 0,
      nameCard: self?.nameCard ?? "",
      muteUntil: self?.muteUntil ?? 0
    },
    lastMessage: { lastTime: g.lastMessageTime ?? 0, lastSequence: next - 1, fromAccount: "", messageForShow: "" },
    nextMessageSeq: next,
    memberCount: g.memberCount ?? 0,
    maxMemberCount: g.maxMemberCount ?? 0,
    muteAllMembers: g.muteAllMembers === true,
    joinOption: g.joinOption ?? "",
    groupCustomField: fields(g.groupCustomField),
    isSupportTopic: false
  };
}
function profileChange(change) {
  const out = {};
  if (change.name !== void 0) out.name = change.name;
  if (change.introduction !== void 0) out.introduction = change.introduction;
  if (change.notification !== void 0) out.notification = change.notification;
  if (change.avatar !== void 0) out.avatar = change.avatar;
  if (change.ownerID !== void 0) out.ownerID = change.ownerID;
  if (change.joinOption !== void 0) out.joinOption = change.joinOption;
  if (change.muteAllMembers !== void 0) out.muteAllMembers = change.muteAllMembers;
  if (change.groupCustomField !== void 0) out.groupCustomField = fields(change.groupCustomField);
  return out;
}
function memberFromWire(m) {
  return {
    userID: m.userID,
    avatar: m.avatar ?? "",
    nick: m.nick ?? "",
    role: m.role,
    joinTime: m.joinTime,
    nameCard: m.nameCard ?? "",
    muteUntil: m.muteUntil ?? 0,
    memberCustomField: fields(m.memberCustomField),
    lastSendMsgTime: m.lastSendMsgTime ?? 0
  };
}
function applicationFromWire(a) {
  return {
    applicationID: text(a.applicationID),
    groupID: text(a.groupID),
    groupName: text(a.groupName),
    applicationType: number(a.applicationType),
    fromUser: text(a.fromUser),
    toUser: text(a.toUser),
    addTime: number(a.addTime),
    requestMsg: text(a.requestMsg),
    handledMsg: text(a.handledMsg),
    handleStatus: number(a.handleStatus),
    handleResult: number(a.handleResult),
    read: a.read === true
  };
}

// src/device.ts
var STORAGE_KEY = "groupcast-chat:deviceIDs";
var claimed = /* @__PURE__ */ new Set();
function fresh() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
function tabStorage() {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}
function claimDeviceID() {
  const storage = tabStorage();
  let kept = [];
  try {
    const parsed = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "[]");
    if (Array.isArray(parsed)) kept = parsed.filter((id2) => typeof id2 === "string");
  } catch {
    kept = [];
  }
  let id = kept.find((candidate) => !claimed.has(candidate));
  if (id === void 0) {
    id = fresh();
    kept.push(id);
    try {
      storage?.setItem(STORAGE_KEY, JSON.stringify(kept));
    } catch {
    }
  }
  claimed.add(id);
  return id;
}
function releaseDeviceID(id) {
  claimed.delete(id);
}

// src/emitter.ts
var Emitter = class {
  constructor() {
    __publicField(this, "listeners", /* @__PURE__ */ new Map());
  }
  on(name, handler, context) {
    if (typeof handler !== "function") throw new TypeError("on(): the handler must be a function");
    const list = this.listeners.get(name) ?? [];
    list.push({ handler, context });
    this.listeners.set(name, list);
  }
  off(name, handler, context) {
    const list = this.listeners.get(name);
    if (list === void 0) return;
    const index = list.findIndex((l) => l.handler === handler && (context === void 0 || l.context === context));
    if (index >= 0) list.splice(index, 1);
  }
  /** Call every handler of `name`; one that throws is reported and does not stop the others. */
  emit(name, data) {
    const event = { name, data };
    for (const { handler, context } of [...this.listeners.get(name) ?? []]) {
      try {
        handler.call(context, event);
      } catch (error) {
        console.error(`groupcast-chat: a ${name} handler threw`, error);
      }
    }
  }
  clear() {
    this.listeners.clear();
  }
};

// src/errors.ts
var ChatError = class extends Error {
  constructor(code, message, data) {
    super(message);
    __publicField(this, "code");
    /** Extra context (e.g. `{message}` for a failed `sendMessage`). */
    __publicField(this, "data");
    this.name = "ChatError";
    this.code = code;
    this.data = data;
  }
};

// src/sequencer.ts
var NOTICE_KICKED = 4;
var NOTICE_DISMISSED = 5;
var NOTICE_REMIND_TYPE = 20;
var Sequencer = class {
  constructor(host, me) {
    __publicField(this, "host", host);
    __publicField(this, "me", me);
    /** The last notice seq seen; null: start from the server's latest at the next login. */
    __publicField(this, "noticeSeq", null);
    /** The last message or tip seq seen, per group. */
    __publicField(this, "groupSeqs", /* @__PURE__ */ new Map());
    /** Groups whose receive option is Discard: messages are not pushed, so skips are no gaps. */
    __publicField(this, "quiet", /* @__PURE__ */ new Set());
    /** Seqs of our own messages the reply gave before the group reached them. */
    __publicField(this, "sent", /* @__PURE__ */ new Map());
    /** `random`s of our own messages being sent (a retry may be under way). */
    __publicField(this, "sending", /* @__PURE__ */ new Map());
    __publicField(this, "noticeSync", null);
    __publicField(this, "noticeAgain", false);
    __publicField(this, "groupSyncs", /* @__PURE__ */ new Map());
    __publicField(this, "groupAgain", /* @__PURE__ */ new Set());
  }
  // -- notices ----------------------------------------------------------------------------
  onNotice(notice, leaveRoom) {
    if (notice.operationType === NOTICE_KICKED || notice.operationType === NOTICE_DISMISSED) {
      leaveRoom(notice.groupID);
    } else if (notice.operationType === NOTICE_REMIND_TYPE) {
      this.setQuiet(notice.groupID, notice.messageRemindType === "Discard");
    }
    if (notice.seq === 0) {
      this.host.deliverNotice(notice);
      return;
    }
    const seen = this.noticeSeq ?? 0;
    if (notice.seq <= seen) return;
    if (notice.seq === seen + 1) {
      this.noticeSeq = notice.seq;
      this.host.deliverNotice(notice);
    } else {
      this.syncNoticesSoon();
    }
  }
  syncNoticesSoon() {
    if (this.noticeSync !== null) {
      this.noticeAgain = true;
      return;
    }
    this.noticeSync = this.syncNotices().catch((error) => this.host.syncFailed("notices", error)).finally(() => {
      this.noticeSync = null;
    });
  }
  /** Fetch and deliver the notices after `noticeSeq`, in order, once. */
  async syncNotices() {
    do {
      this.noticeAgain = false;
      for (; ; ) {
        const page = await this.host.request("syncNotifications", {
          afterSeq: this.noticeSeq ?? 0,
          count: 100
        });
        for (const notice of page.notices) {
          if (notice.seq > (this.noticeSeq ?? 0)) {
            this.noticeSeq = notice.seq;
            this.host.deliverNotice(notice);
          }
        }
        if (page.complete && page.lastSeq <= (this.noticeSeq ?? 0)) break;
      }
    } while (this.noticeAgain);
  }
  // -- group entries ------------------------------------------------------------------------
  onEntry(entry) {
    const groupID = entry.groupID;
    if (entry.seq === 0) {
      this.host.deliverEntry(entry);
      return;
    }
    const seen = this.groupSeqs.get(groupID);
    if (seen === void 0 || entry.seq === seen + 1 || this.quiet.has(groupID)) {
      this.pass(groupID, entry);
    } else if (entry.seq > seen + 1) {
      this.syncGroupSoon(groupID);
    }
  }
  pass(groupID, entry) {
    this.groupSeqs.set(groupID, Math.max(entry.seq, this.groupSeqs.get(groupID) ?? 0));
    const sent = this.sent.get(groupID);
    if (sent?.delete(entry.seq)) return;
    if (entry.type === "groupMessage" && entry.senderID === this.me() && this.sending.get(groupID)?.has(entry.random)) {
      return;
    }
    this.host.deliverEntry(entry);
  }
  syncGroupSoon(groupID) {
    if (this.groupSyncs.has(groupID)) {
      this.groupAgain.add(groupID);
      return;
    }
    const running = this.syncGroup(groupID).catch((error) => this.host.syncFailed(`group ${groupID}`, error)).finally(() => this.groupSyncs.delete(groupID));
    this.groupSyncs.set(groupID, running);
  }
  /** Fetch and deliver the group's history after `groupSeqs`, in order, once. */
  async syncGroup(groupID) {
    do {
      this.groupAgain.delete(groupID);
      for (; ; ) {
        const after = this.groupSeqs.get(groupID) ?? 0;
        const page = await this.host.request("getGroupHistory", { groupID, afterSeq: after, count: 100 });
        for (const entry of page.messages) {
          if (entry.seq > (this.groupSeqs.get(groupID) ?? 0)) this.pass(groupID, entry);
        }
        if (page.isCompleted) break;
      }
    } while (this.groupAgain.has(groupID));
  }
  setQuiet(groupID, quiet) {
    if (quiet) this.quiet.add(groupID);
    else this.quiet.delete(groupID);
  }
  // -- our own sends ------------------------------------------------------------------------
  beginSend(groupID, random) {
    const randoms = this.sending.get(groupID) ?? /* @__PURE__ */ new Set();
    randoms.add(random);
    this.sending.set(groupID, randoms);
  }
  endSend(groupID, random, seq) {
    const randoms = this.sending.get(groupID);
    randoms?.delete(random);
    if (randoms?.size === 0) this.sending.delete(groupID);
    if (!seq) return;
    const seen = this.groupSeqs.get(groupID) ?? 0;
    if (seen === seq - 1) {
      this.groupSeqs.set(groupID, seq);
    } else if (seq > seen) {
      const sent = this.sent.get(groupID) ?? /* @__PURE__ */ new Set();
      sent.add(seq);
      this.sent.set(groupID, sent);
    }
  }
  remindTypeSet(groupID, remindType) {
    this.setQuiet(groupID, remindType === "Discard");
  }
  // -- after each login ---------------------------------------------------------------------
  /**
   * Catch up after a login: notices first, then every joined group (paged). Returns the
   * joined groups as listed.
   */
  async afterLogin(notificationSeq) {
    if (this.noticeSeq === null) this.noticeSeq = notificationSeq;
    else if (notificationSeq > this.noticeSeq) await this.syncNotices();
    const groups = [];
    let offset = 0;
    for (; ; ) {
      const page = await this.host.request("getGroupList", { offset, count: 100 });
      for (const group of page.groupList) {
        groups.push(group);
        const latest = (group.nextMessageSeq ?? 1) - 1;
        const seen = this.groupSeqs.get(group.groupID);
        if (group.selfInfo?.messageRemindType === "Discard") {
          this.quiet.add(group.groupID);
          if (seen === void 0 || seen < latest) this.groupSeqs.set(group.groupID, latest);
        } else if (seen === void 0) {
          this.groupSeqs.set(group.groupID, latest);
        } else if (seen < latest) {
          this.syncGroupSoon(group.groupID);
        }
      }
      if (!page.nextOffset) return groups;
      offset = page.nextOffset;
    }
  }
};

// src/connection.ts
var OPEN = 1;
var Connection = class _Connection {
  constructor(url, ws, codec, handlers) {
    __publicField(this, "url");
    __publicField(this, "ws");
    __publicField(this, "codec");
    __publicField(this, "handlers");
    __publicField(this, "pending", /* @__PURE__ */ new Map());
    __publicField(this, "nextSeq", 1);
    __publicField(this, "gone", false);
    this.url = url;
    this.ws = ws;
    this.codec = codec;
    this.handlers = handlers;
  }
  /** Open a connection; rejects with CONNECT_FAILED if it does not open within `timeoutMs`. */
  static open(url, WebSocketClass, codec, handlers, timeoutMs) {
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new WebSocketClass(url, [codec.subprotocol]);
      } catch (error) {
        reject(new ChatError(SDK_ERROR.CONNECT_FAILED, `cannot connect to ${url}: ${String(error)}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      const failed = (why) => {
        clearTimeout(timer);
        ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
        try {
          ws.close();
        } catch {
        }
        reject(new ChatError(SDK_ERROR.CONNECT_FAILED, `cannot connect to ${url}: ${why}`));
      };
      const timer = setTimeout(() => failed("timed out"), timeoutMs);
      ws.onerror = () => void 0;
      ws.onclose = (event) => failed(`closed (${event?.code ?? 1006})`);
      ws.onopen = () => {
        clearTimeout(timer);
        const connection = new _Connection(url, ws, codec, handlers);
        ws.onclose = (event) => connection.ended(event?.code ?? 1006, event?.reason ?? "");
        ws.onmessage = (event) => connection.received(event.data);
        resolve(connection);
      };
    });
  }
  get open() {
    return !this.gone && this.ws.readyState === OPEN;
  }
  /** Send `{op, seq, ...fields}` and wait for its reply; rejects with the server's code. */
  request(op, fields2, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new ChatError(SDK_ERROR.CONNECTION_LOST, "not connected"));
        return;
      }
      const seq = this.nextSeq++;
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new ChatError(SDK_ERROR.TIMEOUT, `no reply to ${op} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      try {
        this.ws.send(this.codec.encode({ ...fields2, op, seq }));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(seq);
        reject(new ChatError(SDK_ERROR.CONNECTION_LOST, `send failed: ${String(error)}`));
      }
    });
  }
  /** Close it (the close event follows). */
  close(code = 1e3, reason = "") {
    try {
      this.ws.close(code, reason);
    } catch {
      this.ended(code, reason);
    }
  }
  /** Give up on it now, without waiting for a closing handshake that may never come. */
  abandon(reason) {
    this.ws.onclose = this.ws.onmessage = null;
    try {
      this.ws.close(3e3, reason);
    } catch {
    }
    this.ended(1006, reason);
  }
  received(data) {
    if (this.gone) return;
    let frame;
    try {
      frame = this.codec.decode(data);
    } catch {
      return;
    }
    if (frame === null || typeof frame !== "object") return;
    if (frame.type === "reply") {
      const reply = frame;
      const waiter = this.pending.get(reply.seq);
      if (waiter === void 0) return;
      this.pending.delete(reply.seq);
      clearTimeout(waiter.timer);
      if (reply.code === 0) waiter.resolve(reply.data);
      else waiter.reject(new ChatError(reply.code, reply.message));
    } else {
      this.handlers.onPush(frame);
    }
  }
  ended(code, reason) {
    if (this.gone) return;
    this.gone = true;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new ChatError(SDK_ERROR.CONNECTION_LOST, `connection closed (${code})`));
    }
    this.handlers.onClose(code, reason);
  }
};

// src/session.ts
var REPLACED = 4100;
var ACCOUNT_DELETED = 4101;
var BACKOFF_FIRST_MS = 200;
var BACKOFF_MAX_MS = 3e4;
var Session = class {
  constructor(config, listener) {
    __publicField(this, "config", config);
    __publicField(this, "listener", listener);
    __publicField(this, "userID", "");
    __publicField(this, "userSig", "");
    __publicField(this, "state", "idle");
    __publicField(this, "conn", null);
    __publicField(this, "urlIndex", 0);
    __publicField(this, "attempt", 0);
    __publicField(this, "retryTimer", null);
    __publicField(this, "heartbeatTimer", null);
    __publicField(this, "waiters", []);
    __publicField(this, "generation", 0);
    // bumped by logout/close: late callbacks of older sessions are ignored
    __publicField(this, "onOnline", () => this.retryNow());
  }
  get isReady() {
    return this.state === "ready";
  }
  get loggedIn() {
    return this.state !== "idle";
  }
  /** The first login: each URL once, in order, until one answers. Rejects with the
   * server's code if the login is refused, CONNECT_FAILED if no server answered. */
  async login(userID, userSig) {
    this.userID = userID;
    this.userSig = userSig;
    this.state = "connecting";
    const generation = ++this.generation;
    this.listener.netState(TYPES.NET_STATE_CONNECTING);
    let lastError = null;
    for (let tried = 0; tried < this.config.urls.length; tried++) {
      try {
        await this.connect(generation, true);
        addEventListenerIfAny("online", this.onOnline);
        return;
      } catch (error) {
        if (generation !== this.generation) throw notLoggedIn();
        if (this.state === "reconnecting") {
          addEventListenerIfAny("online", this.onOnline);
          await this.whenReady();
          return;
        }
        const code = error instanceof ChatError ? error.code : SDK_ERROR.CONNECT_FAILED;
        if (code !== SDK_ERROR.CONNECT_FAILED && code !== SDK_ERROR.CONNECTION_LOST && code !== SDK_ERROR.TIMEOUT) {
          this.reset(TYPES.NET_STATE_DISCONNECTED);
          throw error;
        }
        lastError = error instanceof ChatError ? error : new ChatError(SDK_ERROR.CONNECT_FAILED, String(error));
        this.urlIndex = (this.urlIndex + 1) % this.config.urls.length;
      }
    }
    this.reset(TYPES.NET_STATE_DISCONNECTED);
    throw new ChatError(SDK_ERROR.CONNECT_FAILED, `no server could be reached (${lastError?.message ?? "no URL"})`);
  }
  /** Log out: tell the server (when connected), close, and forget the credentials. */
  async logout() {
    const conn = this.conn;
    this.generation++;
    if (conn !== null && conn.open) {
      try {
        await conn.request("logout", {}, this.config.requestTimeout);
      } catch {
      }
    }
    this.reset(TYPES.NET_STATE_DISCONNECTED);
    conn?.close(1e3, "logout");
  }
  /** Stop at once (destroy): no logout frame, no reconnect. */
  close() {
    this.generation++;
    const conn = this.conn;
    this.reset(null);
    conn?.close(1e3, "destroyed");
  }
  /**
   * A request once the session is ready (waiting through a reconnect, up to the request
   * timeout). Rejects with the server's code, CONNECTION_LOST if the connection dropped
   * before the reply, TIMEOUT, or NOT_LOGGED_IN.
   */
  async request(op, fields2) {
    if (this.state !== "ready") await this.whenReady();
    const conn = this.conn;
    if (conn === null) throw new ChatError(SDK_ERROR.CONNECTION_LOST, "not connected");
    return conn.request(op, fields2, this.config.requestTimeout);
  }
  /** A request on the current connection, ready or not (the catch-up after a login). */
  direct(op, fields2) {
    const conn = this.conn;
    if (conn === null) return Promise.reject(new ChatError(SDK_ERROR.CONNECTION_LOST, "not connected"));
    return conn.request(op, fields2, this.config.requestTimeout);
  }
  whenReady() {
    if (this.state === "idle") return Promise.reject(notLoggedIn());
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ChatError(SDK_ERROR.TIMEOUT, "not connected to any server in time (reconnecting)"));
      }, this.config.requestTimeout);
      this.waiters.push(waiter);
    });
  }
  // -- connecting ---------------------------------------------------------------------------
  async connect(generation, first) {
    const url = this.config.urls[this.urlIndex];
    const conn = await Connection.open(
      url,
      this.config.WebSocket,
      this.config.codec,
      {
        onPush: (frame) => {
          if (this.conn === conn) this.listener.push(frame);
        },
        onClose: (code) => this.dropped(conn, code)
      },
      this.config.requestTimeout
    );
    if (generation !== this.generation) {
      conn.close(1e3, "logged out");
      throw notLoggedIn();
    }
    let result;
    try {
      result = await conn.request(
        "login",
        {
          sdkAppID: this.config.sdkAppID,
          userID: this.userID,
          userSig: this.userSig,
          deviceID: this.config.deviceID,
          platform: this.config.platform
        },
        this.config.requestTimeout
      );
    } catch (error) {
      conn.close(1e3, "login refused");
      throw error;
    }
    if (generation !== this.generation) {
      conn.close(1e3, "logged out");
      throw notLoggedIn();
    }
    this.conn = conn;
    this.startHeartbeat(conn, result.heartbeatInterval);
    try {
      await this.listener.loggedIn(result, first);
    } catch (error) {
      if (this.conn === conn) conn.abandon("catch-up after login failed");
      throw error;
    }
    if (generation !== this.generation || this.conn !== conn) throw notLoggedIn();
    this.state = "ready";
    this.attempt = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve();
    this.listener.netState(TYPES.NET_STATE_CONNECTED);
    this.listener.ready(first);
  }
  startHeartbeat(conn, intervalSeconds) {
    this.stopHeartbeat();
    const every = Math.max(1, intervalSeconds) * 1e3;
    this.heartbeatTimer = setInterval(() => {
      conn.request("heartbeat", {}, Math.min(this.config.requestTimeout, every)).catch((error) => {
        if (error.code === SDK_ERROR.TIMEOUT) conn.abandon("heartbeat timed out");
      });
    }, every);
  }
  stopHeartbeat() {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
  // -- dropping and reconnecting ------------------------------------------------------------
  dropped(conn, code) {
    if (this.conn !== conn) return;
    this.conn = null;
    this.stopHeartbeat();
    if (this.state === "idle") return;
    if (code === REPLACED || code === ACCOUNT_DELETED) {
      this.reset(TYPES.NET_STATE_DISCONNECTED);
      this.listener.kicked(code === REPLACED ? TYPES.KICKED_OUT_MULT_DEVICE : TYPES.KICKED_OUT_REST_API);
      return;
    }
    this.state = "reconnecting";
    this.listener.netState(TYPES.NET_STATE_CONNECTING);
    this.scheduleReconnect();
  }
  scheduleReconnect() {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.reconnect(), delay);
  }
  retryNow() {
    if (this.state !== "reconnecting" || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    void this.reconnect();
  }
  async reconnect() {
    this.retryTimer = null;
    if (this.state !== "reconnecting") return;
    const generation = this.generation;
    this.urlIndex = (this.urlIndex + 1) % this.config.urls.length;
    try {
      await this.connect(generation, false);
    } catch (error) {
      if (generation !== this.generation || this.state !== "reconnecting") return;
      const code = error instanceof ChatError ? error.code : SDK_ERROR.CONNECT_FAILED;
      if (code >= 7e4 && code < 71e3) {
        this.reset(TYPES.NET_STATE_DISCONNECTED);
        if (code === 70001) this.listener.kicked(TYPES.KICKED_OUT_USERSIG_EXPIRED);
        else this.listener.failed(error);
        return;
      }
      if (this.retryTimer !== null) return;
      this.scheduleReconnect();
    }
  }
  /** Back to idle: timers stopped, waiters refused. */
  reset(netState) {
    const wasIdle = this.state === "idle";
    this.state = "idle";
    this.conn = null;
    this.stopHeartbeat();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    removeEventListenerIfAny("online", this.onOnline);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(notLoggedIn());
    if (netState !== null && !wasIdle) this.listener.netState(netState);
  }
};
function notLoggedIn() {
  return new ChatError(SDK_ERROR.NOT_LOGGED_IN, "not logged in (log in first; or logged out meanwhile)");
}
function addEventListenerIfAny(type, handler) {
  const target = globalThis;
  if (typeof target.addEventListener === "function") target.addEventListener(type, handler);
}
function removeEventListenerIfAny(type, handler) {
  const target = globalThis;
  if (typeof target.removeEventListener === "function") target.removeEventListener(type, handler);
}

// src/chat.ts
var PAGE_MAX = 15;
var CACHE_MAX = 1e4;
var LIST_NOTICES = /* @__PURE__ */ new Set([2, 4, 5, 6, 7, 8, 9, 10, 20]);
var NO_HISTORY = 10044;
var ok = (data) => ({ code: 0, data });
function invalid(message) {
  return new ChatError(SDK_ERROR.INVALID_ARGUMENT, message);
}
function requireString(value, name) {
  if (typeof value !== "string" || value === "") throw invalid(`${name} must be a non-empty string`);
  return value;
}
function groupOf(conversationID) {
  const id = requireString(conversationID, "conversationID");
  if (id.startsWith(TYPES.CONV_GROUP)) return id.slice(TYPES.CONV_GROUP.length);
  throw new ChatError(SDK_ERROR.UNSUPPORTED, `only group conversations ("GROUP" + groupID) exist in groupcast, not ${id}`);
}
var isSdkError = (code) => code >= 2900 && code < 3e3;
function randomUint32() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
var _GroupcastChat = class _GroupcastChat {
  // `${groupID}\n${seq}` -> ID
  constructor(options) {
    __publicField(this, "EVENT", EVENT);
    __publicField(this, "TYPES", TYPES);
    /** This instance's device (see CreateOptions.deviceID). */
    __publicField(this, "deviceID");
    __publicField(this, "emitter", new Emitter());
    __publicField(this, "session");
    __publicField(this, "sequencer");
    __publicField(this, "ownDeviceID");
    __publicField(this, "requestTimeout");
    __publicField(this, "destroyed", false);
    __publicField(this, "ready", false);
    __publicField(this, "outbox", []);
    __publicField(this, "flushing", false);
    __publicField(this, "groups", null);
    // the list last emitted with GROUP_LIST_UPDATED
    __publicField(this, "groupsShown", "");
    __publicField(this, "pendingList", false);
    // the list changed before SDK_READY: told right after it
    __publicField(this, "listRefresh", null);
    __publicField(this, "listAgain", false);
    __publicField(this, "rooms", /* @__PURE__ */ new Set());
    // live rooms entered: entered again after a reconnect
    __publicField(this, "cache", /* @__PURE__ */ new Map());
    // by ID
    __publicField(this, "cacheBySeq", /* @__PURE__ */ new Map());
    if (options === null || typeof options !== "object") throw invalid("create() takes an options object");
    if (typeof options.SDKAppID !== "number" || !Number.isInteger(options.SDKAppID)) {
      throw invalid("SDKAppID must be an integer");
    }
    const urls = options.urls ?? (options.url === void 0 ? [] : [options.url]);
    if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => typeof u !== "string" || u === "")) {
      throw invalid("give the server's WebSocket address: url (e.g. ws://127.0.0.1:8080/ws) or urls: [...]");
    }
    const codec = codecFor(options.codec);
    const WebSocketClass = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketClass !== "function") {
      throw invalid("no global WebSocket here (Node 20): pass one, e.g. create({..., WebSocket: (await import('ws')).WebSocket})");
    }
    this.ownDeviceID = options.deviceID === void 0;
    this.requestTimeout = options.requestTimeout ?? 1e4;
    this.deviceID = options.deviceID ?? claimDeviceID();
    this.session = new Session(
      {
        urls: [...urls],
        WebSocket: WebSocketClass,
        codec,
        sdkAppID: options.SDKAppID,
        deviceID: this.deviceID,
        platform: options.platform ?? "Web",
        requestTimeout: this.requestTimeout
      },
      {
        loggedIn: (result) => this.caughtUp(result),
        ready: () => this.becameReady(),
        push: (frame) => this.onPush(frame),
        netState: (state) => this.emitter.emit(EVENT.NET_STATE_CHANGE, { state }),
        kicked: (type) => this.ended(() => this.emitter.emit(EVENT.KICKED_OUT, { type })),
        failed: (error) => this.ended(() => this.emitter.emit(EVENT.ERROR, { code: error.code, message: error.message }))
      }
    );
    this.sequencer = this.newSequencer();
  }
  /** Make an instance (no connection yet: `login` connects). */
  static create(options) {
    return new _GroupcastChat(options);
  }
  newSequencer() {
    return new Sequencer(
      {
        request: (op, fields2) => this.session.direct(op, fields2),
        deliverNotice: (notice) => this.deliverNotice(notice),
        deliverEntry: (entry) => this.deliverEntry(entry),
        syncFailed: () => void 0
        // the next login catches up
      },
      () => this.session.userID
    );
  }
  // -- events -----------------------------------------------------------------------------
  on(eventName, handler, context) {
    this.emitter.on(eventName, handler, context);
  }
  off(eventName, handler, context) {
    this.emitter.off(eventName, handler, context);
  }
  // -- login ------------------------------------------------------------------------------
  /** Connect and log in; SDK_READY follows once caught up. Logging in again as the same
   * user resolves with `repeatLogin: true`. */
  async login(options) {
    this.alive();
    const userID = requireString(options?.userID, "userID");
    const userSig = requireString(options?.userSig, "userSig");
    if (this.session.loggedIn) {
      if (this.session.userID === userID) return ok({ repeatLogin: true });
      await this.logout();
    }
    if (userID !== this.session.userID) this.forgetUser();
    await this.session.login(userID, userSig);
    return ok({ repeatLogin: false });
  }
  async logout() {
    this.alive();
    const wasReady = this.ready;
    this.ready = false;
    await this.session.logout();
    if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
    return ok({});
  }
  /** Log out, stop every timer and forget the handlers: the instance is done. */
  async destroy() {
    if (this.destroyed) return ok({});
    this.destroyed = true;
    this.ready = false;
    this.session.close();
    if (this.ownDeviceID) releaseDeviceID(this.deviceID);
    this.emitter.emit(EVENT.SDK_DESTROY, {});
    this.emitter.clear();
    return ok({});
  }
  isReady() {
    return this.ready;
  }
  getLoginUser() {
    return this.session.loggedIn ? this.session.userID : "";
  }
  alive() {
    if (this.destroyed) throw new ChatError(SDK_ERROR.DESTROYED, "this instance was destroyed");
  }
  forgetUser() {
    this.sequencer = this.newSequencer();
    this.groups = null;
    this.groupsShown = "";
    this.rooms.clear();
    this.cache.clear();
    this.cacheBySeq.clear();
    this.outbox = [];
  }
  ended(tell) {
    const wasReady = this.ready;
    this.ready = false;
    tell();
    if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
  }
  /** After each login, before the session counts as ready: notices, groups, rooms. */
  async caughtUp(result) {
    const groups = await this.sequencer.afterLogin(result.notificationSeq ?? 0);
    for (const room of [...this.rooms]) {
      try {
        await this.session.direct("joinGroup", { groupID: room });
      } catch (error) {
        if (!(error instanceof ChatError) || isSdkError(error.code)) throw error;
        this.rooms.delete(room);
      }
    }
    this.showGroups(groups);
  }
  becameReady() {
    const first = !this.ready;
    this.ready = true;
    if (first) this.emitter.emit(EVENT.SDK_READY, {});
    this.flush();
    if (this.groups !== null && this.pendingList) {
      this.pendingList = false;
      this.emitter.emit(EVENT.GROUP_LIST_UPDATED, this.groups);
    }
  }
  // -- what the server pushes ---------------------------------------------------------------
  onPush(frame) {
    switch (frame.type) {
      case "groupSystemNotice":
        this.sequencer.onNotice(frame, (groupID) => this.rooms.delete(groupID));
        break;
      case "groupMessage":
      case "groupTip":
        this.sequencer.onEntry(frame);
        break;
      case "groupMessageRecalled":
        void this.recalled(frame);
        break;
      default:
        break;
    }
  }
  deliverNotice(notice) {
    this.queue(noticeFromWire(this.session.userID, notice));
    if (LIST_NOTICES.has(notice.operationType)) this.refreshGroups();
  }
  deliverEntry(entry) {
    const me = this.session.userID;
    const message = entry.type === "groupMessage" ? messageFromWire(me, entry) : tipFromWire(entry);
    this.remember(message);
    this.queue(message);
    if (entry.type === "groupTip") {
      const concernsMe = (entry.userIDList ?? []).includes(me);
      if (concernsMe && [1, 4, 5].includes(entry.operationType) || entry.operationType === 6) this.refreshGroups();
    } else if (entry.seq && this.groups !== null && !this.groups.some((g) => g.groupID === entry.groupID)) {
      this.refreshGroups();
    }
  }
  async recalled(push) {
    let message;
    const id = this.cacheBySeq.get(`${push.groupID}
${push.seq}`);
    if (id !== void 0) message = this.cache.get(id);
    if (message === void 0) {
      try {
        const page = await this.session.request("getGroupHistory", {
          groupID: push.groupID,
          afterSeq: push.seq - 1,
          count: 1
        });
        const entry = page.messages.find((e) => e.seq === push.seq && e.type === "groupMessage");
        if (entry !== void 0 && entry.type === "groupMessage") message = messageFromWire(this.session.userID, entry);
      } catch {
      }
    }
    const revoked = message ?? {
      ...tipFromWire({ type: "groupTip", groupID: push.groupID, operationType: 0, seq: push.seq }),
      type: TYPES.MSG_TEXT,
      payload: { text: "" },
      elements: [],
      ID: ""
    };
    revoked.isRevoked = true;
    revoked.revoker = push.operatorID;
    revoked.revokeReason = push.reason ?? "";
    this.emitter.emit(EVENT.MESSAGE_REVOKED, [revoked]);
  }
  /** Messages go out in one MESSAGE_RECEIVED per turn of the event loop, in order, and
   * only once SDK_READY was told. */
  queue(message) {
    this.outbox.push(message);
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => {
        this.flushing = false;
        this.flush();
      });
    }
  }
  flush() {
    if (!this.ready || this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.emitter.emit(EVENT.MESSAGE_RECEIVED, batch);
  }
  remember(message) {
    this.cache.delete(message.ID);
    this.cache.set(message.ID, message);
    if (message.sequence) this.cacheBySeq.set(`${message.to}
${message.sequence}`, message.ID);
    if (this.cache.size > CACHE_MAX) {
      const oldest = this.cache.values().next().value;
      this.cache.delete(oldest.ID);
      this.cacheBySeq.delete(`${oldest.to}
${oldest.sequence}`);
    }
  }
  // -- the group list -----------------------------------------------------------------------
  /** Fetch the joined groups again (coalescing calls) and tell if the list changed. */
  refreshGroups() {
    if (this.listRefresh !== null) {
      this.listAgain = true;
      return;
    }
    this.listRefresh = (async () => {
      do {
        this.listAgain = false;
        this.showGroups(await this.fetchGroups());
      } while (this.listAgain);
    })().catch(() => void 0).finally(() => {
      this.listRefresh = null;
    });
  }
  async fetchGroups() {
    const groups = [];
    let offset = 0;
    for (; ; ) {
      const page = await this.session.request("getGroupList", { offset, count: 100 });
      groups.push(...page.groupList);
      if (!page.nextOffset) return groups;
      offset = page.nextOffset;
    }
  }
  showGroups(list) {
    const groups = list.map(groupFromWire);
    const shown = JSON.stringify(groups);
    if (shown === this.groupsShown && this.groups !== null) return;
    this.groups = groups;
    this.groupsShown = shown;
    if (this.ready) this.emitter.emit(EVENT.GROUP_LIST_UPDATED, groups);
    else this.pendingList = true;
  }
  // -- groups ---------------------------------------------------------------------------------
  async createGroup(options) {
    const result = await this.session.request("createGroup", {
      name: requireString(options?.name, "name"),
      type: options.type ?? TYPES.GRP_WORK,
      groupID: options.groupID ?? "",
      introduction: options.introduction ?? "",
      notification: options.notification ?? "",
      avatar: options.avatar ?? "",
      maxMemberNum: options.maxMemberNum ?? 0,
      joinOption: options.joinOption,
      memberList: (options.memberList ?? []).map((m) => ({
        userID: m.userID,
        role: m.role ?? TYPES.GRP_MBR_ROLE_MEMBER,
        memberCustomField: m.memberCustomField ?? []
      })),
      groupCustomField: options.groupCustomField ?? []
    });
    return ok({ group: groupFromWire(result.group), overLimitUserIDList: result.overLimitUserIDList ?? [] });
  }
  async joinGroup(options) {
    const groupID = requireString(options?.groupID, "groupID");
    const result = await this.session.request("joinGroup", {
      groupID,
      applyMessage: options.applyMessage ?? ""
    });
    if (result.type === TYPES.GRP_AVCHATROOM) this.rooms.add(groupID);
    let group = { groupID, type: result.type };
    if (result.status !== TYPES.JOIN_STATUS_WAIT_APPROVAL) group = await this.profileOrNull(groupID) ?? group;
    return ok({ status: result.status, group });
  }
  async quitGroup(groupID) {
    await this.session.request("quitGroup", { groupID: requireString(groupID, "groupID") });
    this.rooms.delete(groupID);
    return ok({ groupID });
  }
  async dismissGroup(groupID) {
    await this.session.request("dismissGroup", { groupID: requireString(groupID, "groupID") });
    this.rooms.delete(groupID);
    return ok({ groupID });
  }
  /** The joined groups (AVChatRooms are never listed), every page. */
  async getGroupList(_options) {
    return ok({ groupList: (await this.fetchGroups()).map(groupFromWire) });
  }
  async getGroupProfile(options) {
    const result = await this.session.request("getGroupProfile", {
      groupID: requireString(options?.groupID, "groupID"),
      groupCustomFieldFilter: options.groupCustomFieldFilter ?? []
    });
    return ok({ group: groupFromWire(result.group) });
  }
  /** Tencent's name for reading a group by its ID. */
  searchGroupByID(groupID) {
    return this.getGroupProfile({ groupID });
  }
  async updateGroupProfile(options) {
    const { groupID, ...fields2 } = options ?? {};
    const result = await this.session.request("updateGroupProfile", {
      groupID: requireString(groupID, "groupID"),
      name: fields2.name,
      introduction: fields2.introduction,
      notification: fields2.notification,
      avatar: fields2.avatar,
      joinOption: fields2.joinOption,
      muteAllMembers: fields2.muteAllMembers,
      groupCustomField: fields2.groupCustomField
    });
    return ok({ group: groupFromWire(result.group) });
  }
  async changeGroupOwner(options) {
    const groupID = requireString(options?.groupID, "groupID");
    await this.session.request("changeGroupOwner", {
      groupID,
      newOwnerID: requireString(options.newOwnerID, "newOwnerID")
    });
    return ok({ group: await this.profile(groupID) });
  }
  async getGroupOnlineMemberCount(groupID) {
    const result = await this.session.request("getOnlineMemberCount", {
      groupID: requireString(groupID, "groupID")
    });
    return ok({ memberCount: result.memberCount });
  }
  async setMessageRemindType(options) {
    const groupID = requireString(options?.groupID, "groupID");
    const remind = requireString(options.messageRemindType, "messageRemindType");
    await this.session.request("setMessageRemindType", { groupID, messageRemindType: remind });
    this.sequencer.remindTypeSet(groupID, remind);
    return ok({ group: await this.profile(groupID) });
  }
  // -- members --------------------------------------------------------------------------------
  async addGroupMember(options) {
    const groupID = requireString(options?.groupID, "groupID");
    const result = await this.session.request("addGroupMember", {
      groupID,
      userIDList: options.userIDList
    });
    return ok({
      successUserIDList: result.successUserIDList ?? [],
      failureUserIDList: result.failureUserIDList ?? [],
      existedUserIDList: result.existedUserIDList ?? [],
      overLimitUserIDList: result.overLimitUserIDList ?? [],
      pendingUserIDList: result.pendingUserIDList ?? [],
      group: await this.profile(groupID)
    });
  }
  async deleteGroupMember(options) {
    const groupID = requireString(options?.groupID, "groupID");
    await this.session.request("deleteGroupMember", {
      groupID,
      userIDList: options.userIDList,
      reason: options.reason ?? "",
      duration: options.duration ?? 0
    });
    return ok({ group: await this.profileOrNull(groupID) ?? { groupID }, userIDList: options.userIDList });
  }
  async getGroupMemberList(options) {
    const result = await this.session.request("getGroupMemberList", {
      groupID: requireString(options?.groupID, "groupID"),
      count: options.count ?? 15,
      offset: options.offset ?? 0
    });
    return ok({ memberList: result.memberList.map(memberFromWire), offset: result.nextOffset ?? 0 });
  }
  async getGroupMemberProfile(options) {
    const result = await this.session.request("getGroupMemberProfile", {
      groupID: requireString(options?.groupID, "groupID"),
      userIDList: options.userIDList,
      memberCustomFieldFilter: options.memberCustomFieldFilter ?? []
    });
    return ok({ memberList: result.memberList.map(memberFromWire) });
  }
  async setGroupMemberRole(options) {
    return this.changeMember("setGroupMemberRole", options, { role: options?.role });
  }
  async setGroupMemberMuteTime(options) {
    return this.changeMember("setGroupMemberMuteTime", options, { muteTime: options?.muteTime });
  }
  async setGroupMemberNameCard(options) {
    return this.changeMember("setGroupMemberNameCard", options, { nameCard: options?.nameCard ?? "" });
  }
  async setGroupMemberCustomField(options) {
    return this.changeMember("setGroupMemberCustomField", options, { memberCustomField: options?.memberCustomField });
  }
  /** A change to one member (`userID`, default: yourself); resolves to the group and the
   * member as they are now. */
  async changeMember(op, options, fields2) {
    const groupID = requireString(options?.groupID, "groupID");
    await this.session.request(op, { groupID, userID: options.userID, ...fields2 });
    const userID = options.userID ?? this.session.userID;
    const group = await this.profileOrNull(groupID) ?? { groupID };
    return ok({ group, member: await this.member(groupID, userID) });
  }
  // -- applications ---------------------------------------------------------------------------
  async getGroupApplicationList() {
    const result = await this.session.request(
      "getGroupApplicationList",
      {}
    );
    return ok({ applicationList: result.applicationList.map(applicationFromWire), unreadCount: result.unreadCount });
  }
  /** Native SDKs' name (not in Tencent's Web SDK): mark the application list read. */
  async setGroupApplicationRead() {
    await this.session.request("setGroupApplicationRead", {});
    return ok({});
  }
  /** Agree to or reject an application or an invitation: pass the system notice
   * `message` that told of it, or an `application` of getGroupApplicationList. */
  async handleGroupApplication(options) {
    const fromMessage = options?.message?.payload;
    const applicationID = options?.application?.applicationID ?? fromMessage?.applicationID;
    requireString(applicationID, "the application (message.payload.applicationID or application.applicationID)");
    if (options.handleAction !== "Agree" && options.handleAction !== "Reject") {
      throw invalid('handleAction must be "Agree" or "Reject"');
    }
    await this.session.request("handleGroupApplication", {
      applicationID,
      handleAction: options.handleAction,
      handleMessage: options.handleMessage ?? ""
    });
    const groupID = options.application?.groupID ?? fromMessage?.groupProfile?.groupID ?? "";
    const group = groupID ? await this.profileOrNull(groupID) : null;
    return ok({ group: group ?? { groupID } });
  }
  async profile(groupID) {
    return (await this.getGroupProfile({ groupID })).data.group;
  }
  async profileOrNull(groupID) {
    try {
      return await this.profile(groupID);
    } catch {
      return null;
    }
  }
  async member(groupID, userID) {
    try {
      return (await this.getGroupMemberProfile({ groupID, userIDList: [userID] })).data.memberList[0] ?? null;
    } catch {
      return null;
    }
  }
  // -- messages -------------------------------------------------------------------------------
  createTextMessage(options) {
    const text2 = options?.payload?.text;
    if (typeof text2 !== "string" || text2 === "") throw invalid("payload.text must be a non-empty string");
    return this.compose(options, { type: TYPES.MSG_TEXT, payload: { text: text2 } });
  }
  createCustomMessage(options) {
    const p = options?.payload ?? {};
    return this.compose(options, {
      type: TYPES.MSG_CUSTOM,
      payload: { data: p.data ?? "", description: p.description ?? "", extension: p.extension ?? "" }
    });
  }
  createFaceMessage(options) {
    const p = options?.payload;
    if (typeof p?.index !== "number") throw invalid("payload.index must be a number");
    return this.compose(options, { type: TYPES.MSG_FACE, payload: { index: p.index, data: p.data ?? "" } });
  }
  createLocationMessage(options) {
    const p = options?.payload;
    if (typeof p?.latitude !== "number" || typeof p.longitude !== "number") {
      throw invalid("payload.latitude and payload.longitude must be numbers");
    }
    return this.compose(options, {
      type: TYPES.MSG_LOCATION,
      payload: { description: p.description ?? "", longitude: p.longitude, latitude: p.latitude }
    });
  }
  compose(options, element) {
    const to = requireString(options?.to, "to");
    if (options.conversationType !== void 0 && options.conversationType !== TYPES.CONV_GROUP) {
      throw new ChatError(SDK_ERROR.UNSUPPORTED, "groupcast has group conversations only (TYPES.CONV_GROUP)");
    }
    return outgoingMessage(this.session.userID, to, element, randomUint32(), options.priority, options.cloudCustomData);
  }
  /**
   * Send a message made by a create*Message method. A connection that drops meanwhile
   * does not fail it: it is sent again (same `random`, so the server stores it once)
   * after the reconnect, for up to three request timeouts in all.
   */
  async sendMessage(message, _options) {
    if (message === null || typeof message !== "object" || !Array.isArray(message.elements)) {
      throw invalid("sendMessage takes a message made by a create*Message method");
    }
    const groupID = requireString(message.to, "message.to");
    if (message.from === "") message.from = this.session.userID;
    message.status = "unSend";
    this.sequencer.beginSend(groupID, message.random);
    let seq = null;
    try {
      const request = {
        groupID,
        random: message.random,
        msgBody: message.elements.map(elementToWire),
        cloudCustomData: message.cloudCustomData,
        priority: message.priority
      };
      const deadline = Date.now() + 3 * this.requestTimeout;
      let result;
      for (; ; ) {
        try {
          result = await this.session.request("sendGroupMessage", request);
          break;
        } catch (error) {
          const unanswered = error instanceof ChatError && (error.code === SDK_ERROR.CONNECTION_LOST || error.code === SDK_ERROR.TIMEOUT);
          if (!unanswered || Date.now() > deadline) throw error;
        }
      }
      seq = result.seq;
      message.status = "success";
      message.sequence = result.seq;
      message.time = result.time;
      this.remember(message);
      return ok({ message });
    } catch (error) {
      message.status = "fail";
      if (error instanceof ChatError) error.data = { message };
      throw error;
    } finally {
      this.sequencer.endSend(groupID, message.random, seq);
    }
  }
  /** A page of a group's history, newest page first, each page oldest first: up to 15
   * messages and tips; pass `nextReqMessageID` back for the page before it. */
  async getMessageList(options) {
    const groupID = groupOf(options?.conversationID);
    const count = Math.min(PAGE_MAX, Math.max(1, options.count ?? PAGE_MAX));
    let beforeSeq;
    if (options.nextReqMessageID) {
      const from = this.cache.get(options.nextReqMessageID);
      if (from === void 0 || !from.sequence) {
        throw invalid(`unknown nextReqMessageID ${JSON.stringify(options.nextReqMessageID)}: pass the one a page gave`);
      }
      beforeSeq = from.sequence;
    }
    let page;
    try {
      page = await this.session.request("getGroupHistory", { groupID, beforeSeq, count });
    } catch (error) {
      if (error instanceof ChatError && error.code === NO_HISTORY) {
        return ok({ messageList: [], nextReqMessageID: "", isCompleted: true });
      }
      throw error;
    }
    const me = this.session.userID;
    const messageList = page.messages.map((e) => e.type === "groupMessage" ? messageFromWire(me, e) : tipFromWire(e));
    for (const message of messageList) this.remember(message);
    return ok({ messageList, nextReqMessageID: messageList[0]?.ID ?? "", isCompleted: page.isCompleted });
  }
  async revokeMessage(message) {
    const groupID = requireString(message?.to, "message.to");
    if (!message.sequence) throw invalid("only a sent (or received) group message can be revoked");
    await this.session.request("recallGroupMessage", { groupID, msgSeq: message.sequence, reason: "" });
    message.isRevoked = true;
    message.revoker = this.session.userID;
    return ok({ message });
  }
  /** Mark the group's messages read up to the last one this instance has seen. */
  async setMessageRead(options) {
    const groupID = groupOf(options?.conversationID);
    const seen = this.sequencer.groupSeqs.get(groupID) ?? Number.MAX_SAFE_INTEGER;
    await this.session.request("setGroupReadSeq", { groupID, msgSeq: seen });
    return ok({});
  }
};
__publicField(_GroupcastChat, "EVENT", EVENT);
__publicField(_GroupcastChat, "TYPES", TYPES);
var GroupcastChat = _GroupcastChat;

// src/index.ts
var index_default = GroupcastChat;
export {
  ChatError,
  EVENT,
  GroupcastChat,
  SDK_ERROR,
  TYPES,
  index_default as default
};

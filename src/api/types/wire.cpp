#include "api/types/wire.h"

#include <fmt/format.h>

namespace kwok::api::types {

Result<WireField> WireReader::next() {
  auto tag = varint();
  if (!tag) return tag.error();
  if ((*tag >> 3) == 0 || (*tag >> 3) > 0x1fffffff)
    return Error::badRequest(fmt::format("invalid field number {}", *tag >> 3));
  WireField f;
  f.number = static_cast<int>(*tag >> 3);
  f.wire = static_cast<int>(*tag & 7);
  Result<std::uint64_t> num = std::uint64_t(0);
  switch (f.wire) {
    case kVarint:
      num = varint();
      break;
    case kFixed64:
      num = fixed(8);
      break;
    case kFixed32:
      num = fixed(4);
      break;
    case kLen: {
      auto len = varint();
      if (!len) return len.error();
      if (*len > data_.size() - pos_) return Error::badRequest("length-delimited field runs past its message");
      f.bytes = data_.substr(pos_, *len);
      pos_ += *len;
      break;
    }
    default:
      return Error::badRequest(fmt::format("unsupported wire type {} for field {}", f.wire, f.number));
  }
  if (!num) return num.error();
  f.num = *num;
  return f;
}

Result<std::uint64_t> WireReader::varint() {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    if (pos_ >= data_.size()) return Error::badRequest("truncated varint");
    auto b = static_cast<unsigned char>(data_[pos_++]);
    // The tenth byte holds the 64th bit only.
    if (shift == 63 && b > 1) return Error::badRequest("varint overflows 64 bits");
    v |= std::uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

Result<std::uint64_t> WireReader::fixed(std::size_t n) {
  if (data_.size() - pos_ < n) return Error::badRequest("truncated fixed-size value");
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
  pos_ += n;
  return v;
}

}  // namespace kwok::api::types

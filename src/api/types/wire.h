// The protobuf wire format, read one field at a time. Internal to
// src/api/types; the decoder in protobuf.cpp gives the fields meaning.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.h"

namespace kwok::api::types {

enum Wire : int { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

// One field occurrence on the wire.
struct WireField {
  int number = 0;
  int wire = 0;
  std::uint64_t num = 0;   // kVarint, kFixed64, kFixed32
  std::string_view bytes;  // kLen; points into the reader's data
};

// Reads the fields of one message, or a packed run of numbers. Errors are
// 400s that name no place; the caller adds it. Groups (wire types 3 and 4,
// which no Kubernetes encoder writes) are errors.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  Result<WireField> next();
  Result<std::uint64_t> varint();
  // A little-endian value of n bytes.
  Result<std::uint64_t> fixed(std::size_t n);

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace kwok::api::types

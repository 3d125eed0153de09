// keisan data: IDX files that may be gzip-compressed (.gz), through zlib. Not in the umbrella
// header: link keisan::io (or ZLIB::ZLIB) to use it.
// SPDX-License-Identifier: MIT
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "keisan/data/idx.hpp"

namespace keisan {

namespace detail {

/// Deflate cannot expand more than ~1032x: a header that promises more is a lie, refused
/// before anything that size is allocated.
constexpr std::size_t max_deflate_ratio = 1032;

/// Inflates up to `max_out` bytes of the gzip stream `in` into `out`; returns whether the stream
/// ended within that. Throws FormatError on a corrupt stream.
inline bool gunzip(const std::vector<std::uint8_t>& in, std::size_t max_out, std::vector<std::uint8_t>& out,
                   const std::string& name) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw FormatError("keisan: " + name + ": zlib initialisation failed");
  out.resize(max_out);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(max_out);
  const int rc = inflate(&zs, Z_FINISH);
  const std::size_t produced = zs.total_out;
  inflateEnd(&zs);
  out.resize(produced);
  if (rc == Z_STREAM_END) return true;
  if ((rc == Z_OK || rc == Z_BUF_ERROR) && zs.avail_out == 0) return false;  // more data than allowed
  if (rc == Z_BUF_ERROR) throw FormatError("keisan: " + name + ": truncated gzip stream");
  throw FormatError("keisan: " + name + ": corrupt gzip stream" + (zs.msg ? std::string(" (") + zs.msg + ")" : ""));
}

}  // namespace detail

/// Parses IDX bytes, gzip-compressed or not (detected from the first bytes), with the checks of
/// parse_idx(); `path` names them in errors. Memory use is bounded by what the compressed size
/// can justify.
[[nodiscard]] inline IdxArray parse_idx_any(const std::vector<std::uint8_t>& bytes, const std::string& path,
                                            int expected_ndims) {
  if (bytes.size() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b)
    return parse_idx(bytes.data(), bytes.size(), path, expected_ndims);
  // First the header alone, to learn how much data to expect.
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(expected_ndims);
  std::vector<std::uint8_t> head;
  detail::gunzip(bytes, header, head, path);
  std::vector<std::size_t> dims;
  const std::size_t payload = detail::idx_payload_size(head.data(), head.size(), path, expected_ndims, dims);
  if (payload > bytes.size() * detail::max_deflate_ratio)
    detail::idx_fail(path, "dimensions promise " + detail::byte_count(payload) + " bytes, more than a " +
                               std::to_string(bytes.size()) + "-byte gzip file can hold");
  // Then everything, allowing one byte more than promised so trailing garbage shows.
  std::vector<std::uint8_t> all;
  if (!detail::gunzip(bytes, header + payload + 2, all, path))
    detail::idx_fail(path, "trailing garbage: the stream holds more than the header promises");
  return parse_idx(all.data(), all.size(), path, expected_ndims);
}

/// Reads an IDX file, gzip-compressed or not: see parse_idx_any().
[[nodiscard]] inline IdxArray read_idx_any(const std::string& path, int expected_ndims) {
  return parse_idx_any(read_file_bytes(path), path, expected_ndims);
}

}  // namespace keisan

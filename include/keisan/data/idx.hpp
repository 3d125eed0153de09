// keisan data: the IDX file format (MNIST's): a big-endian header of dimensions, then raw
// unsigned bytes. Parsing validates everything and never allocates more than the input holds.
// Gzip-compressed files: data/idx_gzip.hpp (needs zlib).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "keisan/core/error.hpp"

namespace keisan {

/// An IDX array of unsigned bytes: its dimensions and its data in row-major order.
struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> data;
};

namespace detail {

[[noreturn]] inline void idx_fail(const std::string& name, const std::string& what) {
  throw FormatError("keisan: " + name + ": " + what);
}

/// Bytes of data the header at `bytes` promises (saturating at SIZE_MAX instead of overflowing);
/// checks magic, type and dimension count, and fills `dims`.
inline std::size_t idx_payload_size(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                                    int expected_ndims, std::vector<std::size_t>& dims) {
  if (size < 4) idx_fail(name, "truncated header (" + std::to_string(size) + " bytes; an IDX header needs at least 4)");
  if (bytes[0] != 0 || bytes[1] != 0)
    idx_fail(name, "wrong magic number (first two bytes must be 0; is this an IDX file?)");
  if (bytes[2] != 0x08) {
    const char* hex = "0123456789abcdef";
    idx_fail(name, std::string("unsupported data type 0x") + hex[bytes[2] >> 4] + hex[bytes[2] & 15] +
                       " (only unsigned bytes, 0x08, are supported)");
  }
  const int ndims = bytes[3];
  if (ndims != expected_ndims)
    idx_fail(name, "has " + std::to_string(ndims) + " dimensions, expected " + std::to_string(expected_ndims));
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  if (size < header)
    idx_fail(name, "truncated header (" + std::to_string(size) + " of " + std::to_string(header) + " bytes)");
  dims.clear();
  std::size_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    const std::uint8_t* p = bytes + 4 + 4 * static_cast<std::size_t>(d);
    const std::size_t dim = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    dims.push_back(dim);
    total = (dim != 0 && total > SIZE_MAX / dim) ? SIZE_MAX : total * dim;
  }
  return total;
}

[[nodiscard]] inline std::string byte_count(std::size_t n) {
  return n == SIZE_MAX ? "more than 2^64" : std::to_string(n);
}

}  // namespace detail

/// Parses an IDX array of unsigned bytes with `expected_ndims` dimensions from `bytes`.
/// `name` (usually the path) starts every error message. Throws FormatError for a wrong magic,
/// data type or dimension count, a truncated header or body, and trailing bytes.
[[nodiscard]] inline IdxArray parse_idx(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                                        int expected_ndims) {
  IdxArray out;
  const std::size_t payload = detail::idx_payload_size(bytes, size, name, expected_ndims, out.dims);
  const std::size_t available = size - (4 + 4 * out.dims.size());
  if (payload > available)
    detail::idx_fail(name, "truncated: the header promises " + detail::byte_count(payload) +
                               " bytes of data, the file has " + std::to_string(available));
  if (payload < available)
    detail::idx_fail(name, "trailing garbage: " + std::to_string(available - payload) + " bytes after the data");
  out.data.assign(bytes + (size - available), bytes + size);
  return out;
}

/// Throws FormatError naming the path when it exists and is not a regular file: a directory
/// (whose "size" would be read as a length), a FIFO or a device (which could block forever or
/// never end) are refused before they are opened. Links are followed.
inline void require_regular_file(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) throw FormatError("keisan: " + path + ": is a directory, not a file");
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw FormatError("keisan: " + path + ": is not a regular file (a FIFO, device or socket)");
}

/// Reads a whole file. Throws FormatError naming the path when it cannot be opened or read, or
/// is not a regular file (see require_regular_file).
[[nodiscard]] inline std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw FormatError("keisan: " + path + ": cannot open file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw FormatError("keisan: " + path + ": cannot read file");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw FormatError("keisan: " + path + ": cannot read file");
  return bytes;
}

/// Reads an uncompressed IDX file (see parse_idx). A gzip file gets a FormatError that points to
/// read_idx_any() in keisan/data/idx_gzip.hpp.
[[nodiscard]] inline IdxArray read_idx(const std::string& path, int expected_ndims) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    throw FormatError("keisan: " + path + ": is gzip-compressed; use read_idx_any() from keisan/data/idx_gzip.hpp");
  return parse_idx(bytes.data(), bytes.size(), path, expected_ndims);
}

}  // namespace keisan

// keisan io: weights as .safetensors, the format PyTorch, JAX and Hugging Face read: an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian data. Not in the umbrella header: link keisan::io (nlohmann_json).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/core/state.hpp"
#include "keisan/data/idx.hpp"

namespace keisan {

/// Headers larger than this are refused (the reference implementation's limit).
constexpr std::uint64_t safetensors_max_header = 100'000'000;

namespace detail {

static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE-754 float and double");

inline bool little_endian() {
  const std::uint16_t one = 1;
  std::uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

template <class Scalar>
constexpr const char* safetensors_dtype() {
  return std::is_same_v<Scalar, float> ? "F32" : "F64";
}

[[noreturn]] inline void st_fail(const std::string& path, const std::string& what) {
  throw FormatError("keisan: " + path + ": " + what);
}

/// save_safetensors() replaces `path` by a rename: refuse when that would replace something other
/// than a regular file (a directory, a device such as /dev/null, a FIFO) or a symbolic link
/// (the link itself would be replaced, not the file it points to).
inline void st_check_replaceable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (fs::is_symlink(st)) st_fail(path, "is a symbolic link; refusing to replace it (save to the file it points to)");
  if (fs::exists(st) && !fs::is_regular_file(st)) st_fail(path, "is not a regular file; refusing to replace it");
}

/// Creates a file of its own beside `path` (`path.tmp-<random hex>`, exclusive create: never an
/// existing file of the user's) and names it in `tmp`; nullptr if it cannot.
inline std::FILE* st_create_temp(const std::string& path, std::string& tmp) {
  std::random_device entropy;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::uint64_t r = (std::uint64_t{entropy()} << 32) ^ entropy();
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".tmp-%016llx", static_cast<unsigned long long>(r));
    tmp = path + suffix;
    errno = 0;
    if (std::FILE* f = std::fopen(tmp.c_str(), "wbx")) return f;  // "x": fails if it exists (C11)
    if (errno != EEXIST) return nullptr;
  }
  return nullptr;
}

/// Each entry points to exactly one destination (`who` names the caller in the ValueError).
template <class Scalar>
void st_check_entries(const StateList<Scalar>& state, const char* who) {
  for (const auto& t : state)
    if ((t.matrix == nullptr) == (t.integer == nullptr))
      throw ValueError(std::string(who) + ": state entry '" + t.name +
                       "' must point to exactly one of a matrix and an integer");
}

// ---- writing: the header and the data of each entry (the file handling is save_safetensors') ----

/// The JSON header for `state` (matrices as F32/F64 [rows, cols], integers as I64 []), padded
/// with spaces so that the data starts 8-byte aligned, as the spec suggests.
template <class Scalar>
std::string st_header(const StateList<Scalar>& state, const std::map<std::string, std::string>& metadata) {
  st_check_entries(state, "keisan::save_safetensors");
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& t : state) {
    if (t.name.empty() || t.name == "__metadata__" || header.contains(t.name))
      throw ValueError("keisan::save_safetensors: empty, reserved or duplicate tensor name '" + t.name + "'");
    if (t.is_integer()) {
      header[t.name] = {
          {"dtype", "I64"}, {"shape", nlohmann::ordered_json::array()}, {"data_offsets", {offset, offset + 8}}};
      offset += 8;
      continue;
    }
    const auto bytes = static_cast<std::uint64_t>(t.matrix->size()) * sizeof(Scalar);
    header[t.name] = {{"dtype", safetensors_dtype<Scalar>()},
                      {"shape", {t.matrix->rows(), t.matrix->cols()}},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  return json;
}

/// Writes one entry's data (row-major in memory is the C order safetensors wants); false on error.
template <class Scalar>
bool st_write_data(std::FILE* out, const NamedTensor<Scalar>& t) {
  if (t.is_integer()) return std::fwrite(t.integer, 1, sizeof(std::int64_t), out) == sizeof(std::int64_t);
  const auto bytes = static_cast<std::size_t>(t.matrix->size()) * sizeof(Scalar);
  return std::fwrite(t.matrix->data(), 1, bytes, out) == bytes;
}

}  // namespace detail

/// Writes `tensors` (matrices as 2-D F32 for float, F64 for double; integers as I64 scalars,
/// shape []) and optional string metadata to `path`. The file is written to a new temporary file
/// beside it (`path.tmp-<random>`, which never overwrites an existing file) and renamed into
/// place, so a crash never leaves a half-written weights file. Throws FormatError when the file
/// cannot be written, or when `path` exists and is not a regular file (a directory, a device, a
/// FIFO) or is a symbolic link, which the rename would replace; ValueError for an empty, reserved
/// or duplicate name or an entry that does not point to exactly one of a matrix and an integer.
template <class Scalar>
void save_safetensors(const std::string& path, const StateList<Scalar>& tensors,
                      const std::map<std::string, std::string>& metadata = {}) {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>, "F32 or F64 only");
  if (!detail::little_endian()) throw FormatError("keisan: safetensors writing needs a little-endian machine");
  const std::string json = detail::st_header(tensors, metadata);
  detail::st_check_replaceable(path);
  std::string tmp;
  std::FILE* out = detail::st_create_temp(path, tmp);
  if (!out) throw FormatError("keisan: " + path + ": cannot open for writing");
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(json.size()) >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, out) == 8 && std::fwrite(json.data(), 1, json.size(), out) == json.size();
  for (const auto& t : tensors) ok = ok && detail::st_write_data(out, t);
  ok = std::fflush(out) == 0 && ok;
  ok = std::fclose(out) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw FormatError("keisan: " + path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw FormatError("keisan: " + path + ": cannot rename " + tmp + " into place");
  }
}

/// save_safetensors() of the parameters' values under their names.
template <class Scalar>
void save_safetensors(const std::string& path, const ParameterList<Scalar>& params,
                      const std::map<std::string, std::string>& metadata = {}) {
  save_safetensors(path, parameter_state(params), metadata);
}

// ---- reading -----------------------------------------------------------------------------------

/// One tensor as the file's header describes it.
struct TensorInfo {
  std::string name;
  std::string dtype;                 ///< one of the dtypes keisan reads: F32, F64, I32, I64, U8
  std::vector<std::uint64_t> shape;  ///< as in the file; [] is a scalar
  std::uint64_t begin = 0, end = 0;  ///< its byte range in the data section (data_offsets)

  /// The number of elements: the product of the shape (1 for a scalar).
  [[nodiscard]] std::uint64_t elements() const noexcept {
    std::uint64_t n = 1;
    for (const auto d : shape) n *= d;  // cannot overflow: the parser bounds it by the file's size
    return n;
  }
  /// True for I32, I64 and U8.
  [[nodiscard]] bool is_integer() const noexcept { return !dtype.empty() && dtype[0] != 'F'; }
};

/// What a safetensors file holds: its string metadata and its tensors, in the header's order.
struct SafetensorsInfo {
  std::map<std::string, std::string> metadata;
  std::vector<TensorInfo> tensors;

  /// The tensor named `name`, or nullptr.
  [[nodiscard]] const TensorInfo* find(const std::string& name) const noexcept {
    for (const auto& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
};

/// How strictly a load matches the file's tensors against the state list. A shape or dtype that
/// does not fit is always an error.
struct LoadOptions {
  bool allow_missing = false;     ///< entries of the state list the file lacks keep their values
  bool allow_unexpected = false;  ///< tensors of the file the state list does not name are ignored
};

namespace detail {

/// Bytes per element of the dtypes keisan reads; 0 for any other.
inline std::uint64_t st_dtype_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "U8") return 1;
  return 0;
}

inline std::string st_shape_text(const std::vector<std::uint64_t>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

/// The header length from the first 8 bytes of a `file_size`-byte file, checked against the file.
inline std::uint64_t st_header_length(const std::uint8_t* first8, std::uint64_t file_size, const std::string& path) {
  if (file_size < 8) st_fail(path, "too short for a safetensors file (" + std::to_string(file_size) + " bytes)");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | first8[static_cast<std::size_t>(i)];
  if (n > safetensors_max_header) st_fail(path, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > file_size - 8)
    st_fail(path, "header length " + std::to_string(n) + " runs past the end of the file (" +
                      std::to_string(file_size) + " bytes)");
  return n;
}

/// Parses and validates the `n` JSON bytes of a header followed by `data_size` bytes of data:
/// every dtype, shape and byte range (inside the data, non-overlapping, size = product(shape) *
/// dtype size).
inline SafetensorsInfo st_parse_header(const std::uint8_t* json, std::uint64_t n, std::uint64_t data_size,
                                       const std::string& path) {
  nlohmann::ordered_json header;  // ordered: the tensors are listed in the file's order
  try {
    header = nlohmann::ordered_json::parse(json, json + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    st_fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) st_fail(path, "header is not a JSON object");
  SafetensorsInfo info;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::ordered_json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) st_fail(path, "__metadata__ is not an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) st_fail(path, "__metadata__ value '" + m.key() + "' is not a string");
        info.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "': ";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      st_fail(path, where + "needs dtype, shape and data_offsets");
    TensorInfo e;
    e.name = name;
    if (!v.at("dtype").is_string()) st_fail(path, where + "dtype is not a string");
    e.dtype = v.at("dtype").get<std::string>();
    const std::uint64_t elem = st_dtype_size(e.dtype);
    if (elem == 0) st_fail(path, where + "unsupported dtype " + e.dtype + " (keisan reads F32, F64, I32, I64 and U8)");
    const auto& shape = v.at("shape");
    const auto& offs = v.at("data_offsets");
    if (!shape.is_array()) st_fail(path, where + "shape is not an array");
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
      st_fail(path, where + "data_offsets must be two non-negative integers");
    std::uint64_t count = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned()) st_fail(path, where + "shape entries must be non-negative integers");
      const auto dim = d.get<std::uint64_t>();
      if (dim != 0 && count > data_size / elem / dim) st_fail(path, where + "shape is larger than the file");
      count *= dim;
      e.shape.push_back(dim);
    }
    e.begin = offs[0].get<std::uint64_t>();
    e.end = offs[1].get<std::uint64_t>();
    if (e.begin > e.end || e.end > data_size)
      st_fail(path, where + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                        "] fall outside the " + std::to_string(data_size) + " data bytes");
    if (e.end - e.begin != count * elem)
      st_fail(path, where + "holds " + std::to_string(e.end - e.begin) + " bytes but its shape and dtype need " +
                        std::to_string(count * elem));
    info.tensors.push_back(std::move(e));
  }
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(info.tensors.size());
  for (const auto& e : info.tensors) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      st_fail(path, "tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
  return info;
}

/// A tensor's shape as a matrix: [] -> 1 x 1, [n] -> 1 x n, [r, c] as is, [d0, d1, ...] -> d0 x
/// (d1 * ...). A zero-element tensor whose other dimensions multiply past Index is refused.
inline std::pair<Index, Index> st_matrix_shape(const TensorInfo& t, const std::string& path) {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<Index>::max());
  if (t.shape.empty()) return {1, 1};
  if (t.shape.size() == 1) {
    if (t.shape[0] > max)
      st_fail(path, "tensor '" + t.name + "': shape " + st_shape_text(t.shape) + " is too large for a matrix");
    return {1, static_cast<Index>(t.shape[0])};
  }
  std::uint64_t cols = 1;
  bool fits = t.shape[0] <= max;
  for (std::size_t i = 1; i < t.shape.size(); ++i) {
    if (t.shape[i] != 0 && cols > max / t.shape[i]) fits = false;
    cols *= t.shape[i];
  }
  if (!fits) st_fail(path, "tensor '" + t.name + "': shape " + st_shape_text(t.shape) + " is too large for a matrix");
  return {static_cast<Index>(t.shape[0]), static_cast<Index>(cols)};
}

template <class From, class To>
void st_convert(const std::uint8_t* src, To* dst, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) {
    From v;
    std::memcpy(&v, src + i * sizeof(From), sizeof(From));
    dst[i] = static_cast<To>(v);
  }
}

/// Converts `count` little-endian elements of `dtype` at `src` into `dst`.
template <class To>
void st_read_elements(const std::string& dtype, const std::uint8_t* src, To* dst, std::uint64_t count) {
  if (!little_endian()) throw FormatError("keisan: safetensors reading needs a little-endian machine");
  if (dtype == "F32")
    st_convert<float>(src, dst, count);
  else if (dtype == "F64")
    st_convert<double>(src, dst, count);
  else if (dtype == "I32")
    st_convert<std::int32_t>(src, dst, count);
  else if (dtype == "I64")
    st_convert<std::int64_t>(src, dst, count);
  else
    st_convert<std::uint8_t>(src, dst, count);
}

/// The tensor at `src` as a matrix (see st_matrix_shape), converted to Scalar.
template <class Scalar>
Matrix<Scalar> st_to_matrix(const TensorInfo& t, const std::uint8_t* src, const std::string& path) {
  const auto [rows, cols] = st_matrix_shape(t, path);
  Matrix<Scalar> m(rows, cols);
  st_read_elements(t.dtype, src, m.data(), t.elements());
  return m;
}

/// A safetensors file's header, read without its data (a listing of a large file stays cheap).
struct StFile {
  std::ifstream in;
  std::uint64_t data_start = 0;  ///< 8 + header length
  SafetensorsInfo info;
};

inline void st_read_exact(std::ifstream& in, std::uint64_t offset, std::uint8_t* out, std::uint64_t count,
                          const std::string& path) {
  in.seekg(static_cast<std::streamoff>(offset));
  if (count > 0 && !in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(count)))
    throw FormatError("keisan: " + path + ": cannot read file");
}

inline StFile st_open(const std::string& path) {
  require_regular_file(path);  // a FIFO would block, a directory read as garbage
  StFile f;
  f.in.open(path, std::ios::binary | std::ios::ate);
  if (!f.in) throw FormatError("keisan: " + path + ": cannot open file");
  const std::streamoff size = f.in.tellg();
  if (size < 0) throw FormatError("keisan: " + path + ": cannot read file");
  const auto file_size = static_cast<std::uint64_t>(size);
  std::uint8_t first8[8] = {};
  if (file_size >= 8) st_read_exact(f.in, 0, first8, 8, path);
  const std::uint64_t n = st_header_length(first8, file_size, path);
  std::vector<std::uint8_t> json(static_cast<std::size_t>(n));
  st_read_exact(f.in, 8, json.data(), n, path);
  f.data_start = 8 + n;
  f.info = st_parse_header(json.data(), n, file_size - 8 - n, path);
  return f;
}

}  // namespace detail

/// Parses the `size` bytes of a safetensors file at `bytes` (`path` names it in errors) and lists
/// its tensors (name, dtype, shape, in the header's order) and metadata. Validates the header
/// length, the JSON, every dtype, shape and byte range (inside the file, non-overlapping, size =
/// product(shape) * dtype size); throws FormatError naming the file and the problem.
[[nodiscard]] inline SafetensorsInfo parse_safetensors_info(const std::uint8_t* bytes, std::size_t size,
                                                            const std::string& path) {
  const std::uint64_t n = detail::st_header_length(bytes, size, path);
  return detail::st_parse_header(bytes + 8, n, size - 8 - n, path);
}

/// Lists the tensors and metadata of the safetensors file at `path` (see parse_safetensors_info);
/// reads only the header, however large the file.
[[nodiscard]] inline SafetensorsInfo read_safetensors_info(const std::string& path) {
  return detail::st_open(path).info;
}

/// The tensor `name` of the safetensors file in `bytes`, as a matrix sized from the file: a
/// scalar [] is 1 x 1, [n] is 1 x n, [r, c] is r x c, and more dimensions [d0, d1, ...] are
/// d0 x (d1 * ...) in C order (one sample per row, as keisan's matrices are). Any dtype keisan
/// reads is converted to Scalar (a U8 image tensor becomes 0..255 floats). Throws FormatError
/// naming the file: a malformed file, or no tensor of that name.
template <class Scalar>
[[nodiscard]] Matrix<Scalar> parse_safetensors_tensor(const std::uint8_t* bytes, std::size_t size,
                                                      const std::string& path, const std::string& name) {
  const std::uint64_t n = detail::st_header_length(bytes, size, path);
  const SafetensorsInfo info = detail::st_parse_header(bytes + 8, n, size - 8 - n, path);
  const TensorInfo* t = info.find(name);
  if (t == nullptr) detail::st_fail(path, "has no tensor '" + name + "'");
  return detail::st_to_matrix<Scalar>(*t, bytes + 8 + n + t->begin, path);
}

/// The tensor `name` of the safetensors file at `path` (see parse_safetensors_tensor); reads only
/// the header and that tensor's bytes.
template <class Scalar>
[[nodiscard]] Matrix<Scalar> read_safetensors_tensor(const std::string& path, const std::string& name) {
  detail::StFile f = detail::st_open(path);
  const TensorInfo* t = f.info.find(name);
  if (t == nullptr) detail::st_fail(path, "has no tensor '" + name + "'");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(t->end - t->begin));
  detail::st_read_exact(f.in, f.data_start + t->begin, bytes.data(), bytes.size(), path);
  return detail::st_to_matrix<Scalar>(*t, bytes.data(), path);
}

/// Parses the `size` bytes of a safetensors file at `bytes` (`path` names it in errors) into
/// `state`. Each matrix entry takes a tensor of any dtype keisan reads (F32, F64, I32, I64, U8),
/// converted to Scalar, whose matrix shape (see parse_safetensors_tensor) equals the matrix's;
/// each integer entry takes an integer tensor (I32, I64, U8) with one element (a scalar [] or
/// [1]). The names must be the file's exactly, unless `options` allows missing or unexpected
/// tensors. Throws FormatError naming the file: a malformed file (see parse_safetensors_info), or
/// a mismatch, which lists every missing, unexpected, shape-mismatched and dtype-mismatched tensor
/// at once; ValueError for a duplicate name or an entry without exactly one destination. Nothing
/// is written into `state` unless the whole load is valid.
template <class Scalar>
SafetensorsInfo parse_safetensors(const std::uint8_t* bytes, std::size_t size, const std::string& path,
                                  const StateList<Scalar>& state, const LoadOptions& options = {}) {
  detail::st_check_entries(state, "keisan::load_safetensors");
  for (std::size_t i = 0; i < state.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (state[i].name == state[j].name)
        throw ValueError("keisan::load_safetensors: duplicate state name '" + state[i].name + "'");
  const std::uint64_t n = detail::st_header_length(bytes, size, path);
  SafetensorsInfo info = detail::st_parse_header(bytes + 8, n, size - 8 - n, path);
  const std::uint8_t* data = bytes + 8 + n;

  // Match against the state: collect every disagreement before complaining.
  std::string missing, unexpected, mismatched, wrong_dtype;
  std::vector<std::pair<const NamedTensor<Scalar>*, const TensorInfo*>> plan;
  std::map<std::string, const TensorInfo*> by_name;
  for (const auto& e : info.tensors) by_name[e.name] = &e;
  for (const auto& t : state) {
    const auto it = by_name.find(t.name);
    if (it == by_name.end()) {
      if (!options.allow_missing) missing += " " + t.name;
      continue;
    }
    const TensorInfo& e = *it->second;
    by_name.erase(it);
    if (t.is_integer()) {
      if (!e.is_integer())
        wrong_dtype += " " + t.name + " (file " + e.dtype + ", model I64)";
      else if (e.elements() != 1)
        mismatched += " " + t.name + " (file " + detail::st_shape_text(e.shape) + ", model [])";
      else
        plan.emplace_back(&t, &e);
      continue;
    }
    const auto [rows, cols] = detail::st_matrix_shape(e, path);
    if (rows != t.matrix->rows() || cols != t.matrix->cols())
      mismatched += " " + t.name + " (file " + detail::st_shape_text(e.shape) + ", model [" +
                    std::to_string(t.matrix->rows()) + ", " + std::to_string(t.matrix->cols()) + "])";
    else
      plan.emplace_back(&t, &e);
  }
  if (!options.allow_unexpected)
    for (const auto& e : info.tensors)
      if (by_name.count(e.name) != 0) unexpected += " " + e.name;
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty() || !wrong_dtype.empty()) {
    std::string msg = "does not match the model:";
    if (!missing.empty()) msg += " missing" + missing + ";";
    if (!unexpected.empty()) msg += " unexpected" + unexpected + ";";
    if (!mismatched.empty()) msg += " shape mismatch" + mismatched + ";";
    if (!wrong_dtype.empty()) msg += " dtype mismatch" + wrong_dtype + ";";
    msg.pop_back();
    detail::st_fail(path, msg);
  }
  for (const auto& [t, e] : plan) {
    if (t->is_integer())
      detail::st_read_elements(e->dtype, data + e->begin, t->integer, 1);
    else
      detail::st_read_elements(e->dtype, data + e->begin, t->matrix->data(), e->elements());
  }
  return info;
}

/// Reads the safetensors file at `path` into `state`: see parse_safetensors().
template <class Scalar>
SafetensorsInfo load_safetensors(const std::string& path, const StateList<Scalar>& state,
                                 const LoadOptions& options = {}) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse_safetensors(bytes.data(), bytes.size(), path, state, options);
}

/// load_safetensors() into the parameters' values (their gradients are zeroed).
template <class Scalar>
SafetensorsInfo load_safetensors(const std::string& path, const ParameterList<Scalar>& params,
                                 const LoadOptions& options = {}) {
  SafetensorsInfo info = load_safetensors(path, parameter_state(params), options);
  for (const auto& p : params) p.parameter->zero_grad();
  return info;
}

}  // namespace keisan

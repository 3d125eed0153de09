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
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/data/idx.hpp"

namespace keisan {

/// A matrix to save or to load into, under its name.
template <class Scalar>
struct NamedMatrix {
  std::string name;
  Matrix<Scalar>* value = nullptr;
};

/// The parameters' values as named matrices (what save/load work on).
template <class Scalar>
[[nodiscard]] std::vector<NamedMatrix<Scalar>> named_values(const ParameterList<Scalar>& params) {
  std::vector<NamedMatrix<Scalar>> out;
  for (const auto& p : params) out.push_back({p.name, &p.parameter->value()});
  return out;
}

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

}  // namespace detail

namespace detail {

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

}  // namespace detail

/// Writes `tensors` (2-D, dtype F32 for float, F64 for double) and optional string metadata to
/// `path`. The file is written to a new temporary file beside it (`path.tmp-<random>`, which
/// never overwrites an existing file) and renamed into place, so a crash never leaves a
/// half-written weights file. Throws FormatError when the file cannot be written, or when `path`
/// exists and is not a regular file (a directory, a device, a FIFO) or is a symbolic link, which
/// the rename would replace; ValueError for an empty or duplicate name.
template <class Scalar>
void save_safetensors(const std::string& path, const std::vector<NamedMatrix<Scalar>>& tensors,
                      const std::map<std::string, std::string>& metadata = {}) {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>, "F32 or F64 only");
  if (!detail::little_endian()) throw FormatError("keisan: safetensors writing needs a little-endian machine");
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__" || header.contains(t.name))
      throw ValueError("keisan::save_safetensors: empty, reserved or duplicate tensor name '" + t.name + "'");
    const auto bytes = static_cast<std::uint64_t>(t.value->size()) * sizeof(Scalar);
    header[t.name] = {{"dtype", detail::safetensors_dtype<Scalar>()},
                      {"shape", {t.value->rows(), t.value->cols()}},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the spec suggests
  detail::st_check_replaceable(path);
  std::string tmp;
  std::FILE* out = detail::st_create_temp(path, tmp);
  if (!out) throw FormatError("keisan: " + path + ": cannot open for writing");
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(json.size()) >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, out) == 8 && std::fwrite(json.data(), 1, json.size(), out) == json.size();
  for (const auto& t : tensors) {  // row-major in memory = the C order safetensors wants
    const auto bytes = static_cast<std::size_t>(t.value->size()) * sizeof(Scalar);
    ok = ok && std::fwrite(t.value->data(), 1, bytes, out) == bytes;
  }
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
  save_safetensors(path, named_values(params), metadata);
}

/// What a safetensors file holds besides the tensors.
struct SafetensorsInfo {
  std::map<std::string, std::string> metadata;
};

/// Parses the `size` bytes of a safetensors file at `bytes` into `tensors` (`path` names it in
/// errors), which must match the file exactly: the same names, and shapes
/// equal (a 1-D [n] tensor fits a 1 x n matrix). F32 and F64 data both load, converted to Scalar.
/// Validates the header length, the JSON, every dtype, shape and byte range (inside the file,
/// non-overlapping, size = product(shape) * dtype size) and throws FormatError naming the file
/// and the problem; a model mismatch lists every missing, unexpected and mismatched tensor.
/// Nothing is written into `tensors` unless the whole file is valid.
template <class Scalar>
SafetensorsInfo parse_safetensors(const std::uint8_t* bytes, std::size_t size, const std::string& path,
                                  const std::vector<NamedMatrix<Scalar>>& tensors) {
  using detail::st_fail;
  if (size < 8) st_fail(path, "too short for a safetensors file (" + std::to_string(size) + " bytes)");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  if (n > safetensors_max_header) st_fail(path, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > size - 8)
    st_fail(path, "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
                      " bytes)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    st_fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) st_fail(path, "header is not a JSON object");
  const std::uint64_t data_size = size - 8 - n;
  const std::uint8_t* data = bytes + 8 + n;

  struct Entry {
    std::string name, dtype;
    std::vector<std::uint64_t> shape;
    std::uint64_t begin, end;
  };
  std::vector<Entry> entries;
  SafetensorsInfo info;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
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
    Entry e{name, {}, {}, 0, 0};
    if (!v["dtype"].is_string()) st_fail(path, where + "dtype is not a string");
    e.dtype = v["dtype"].get<std::string>();
    if (e.dtype != "F32" && e.dtype != "F64")
      st_fail(path, where + "unsupported dtype " + e.dtype + " (keisan reads F32 and F64)");
    const auto& shape = v["shape"];
    const auto& offs = v["data_offsets"];
    if (!shape.is_array()) st_fail(path, where + "shape is not an array");
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
      st_fail(path, where + "data_offsets must be two non-negative integers");
    const std::uint64_t elem = e.dtype == "F32" ? 4 : 8;
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
    entries.push_back(std::move(e));
  }
  std::vector<const Entry*> by_offset;
  by_offset.reserve(entries.size());
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      st_fail(path, "tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");

  // Match against the model: collect every disagreement before complaining.
  std::string missing, unexpected, mismatched;
  std::map<std::string, const Entry*> by_name;
  for (const auto& e : entries) by_name[e.name] = &e;
  const auto shape_text = [](const std::vector<std::uint64_t>& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
  };
  for (const auto& t : tensors) {
    auto it = by_name.find(t.name);
    if (it == by_name.end()) {
      missing += " " + t.name;
      continue;
    }
    const auto& s = it->second->shape;
    const auto r = static_cast<std::uint64_t>(t.value->rows()), c = static_cast<std::uint64_t>(t.value->cols());
    const bool fits = (s.size() == 2 && s[0] == r && s[1] == c) || (s.size() == 1 && r == 1 && s[0] == c);
    if (!fits)
      mismatched +=
          " " + t.name + " (file " + shape_text(s) + ", model [" + std::to_string(r) + ", " + std::to_string(c) + "])";
    by_name.erase(it);
  }
  for (const auto& [name, e] : by_name) unexpected += " " + name;
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::string msg = "does not match the model:";
    if (!missing.empty()) msg += " missing" + missing + ";";
    if (!unexpected.empty()) msg += " unexpected" + unexpected + ";";
    if (!mismatched.empty()) msg += " shape mismatch" + mismatched + ";";
    msg.pop_back();
    st_fail(path, msg);
  }
  if (!detail::little_endian()) throw FormatError("keisan: safetensors reading needs a little-endian machine");
  for (const auto& e : entries) {
    for (const auto& t : tensors) {
      if (t.name != e.name) continue;
      Scalar* dst = t.value->data();
      const std::uint8_t* src = data + e.begin;
      for (Index i = 0; i < t.value->size(); ++i) {
        if (e.dtype == "F32") {
          float f;
          std::memcpy(&f, src + 4 * i, 4);
          dst[i] = static_cast<Scalar>(f);
        } else {
          double d;
          std::memcpy(&d, src + 8 * i, 8);
          dst[i] = static_cast<Scalar>(d);
        }
      }
    }
  }
  return info;
}

/// Reads the safetensors file at `path` into `tensors`: see parse_safetensors().
template <class Scalar>
SafetensorsInfo load_safetensors(const std::string& path, const std::vector<NamedMatrix<Scalar>>& tensors) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse_safetensors(bytes.data(), bytes.size(), path, tensors);
}

/// load_safetensors() into the parameters' values (their gradients are zeroed).
template <class Scalar>
SafetensorsInfo load_safetensors(const std::string& path, const ParameterList<Scalar>& params) {
  SafetensorsInfo info = load_safetensors(path, named_values(params));
  for (const auto& p : params) p.parameter->zero_grad();
  return info;
}

}  // namespace keisan

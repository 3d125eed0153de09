// keisan tests: safetensors save/load: round trips, a hand-assembled file, and malformed files.
// SPDX-License-Identifier: MIT
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <keisan/io/safetensors.hpp>
#include <keisan/keisan.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

using keisan::FormatError;
using keisan::Matrix;
using keisan::NamedMatrix;
using keisan::test::TempDir;
using keisan::test::write_bytes;
using Bytes = std::vector<std::uint8_t>;

namespace {

/// A safetensors file assembled by hand, independently of keisan's writer: length, JSON, data.
Bytes assemble(const std::string& json, const Bytes& data) {
  // Sized once and copied into: GCC 12 at -O3 warns (-Warray-bounds, a false positive) on
  // vector::insert of a string's range into an 8-byte vector.
  Bytes b(8 + json.size() + data.size());
  const std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  std::copy(json.begin(), json.end(), b.begin() + 8);
  std::copy(data.begin(), data.end(), b.begin() + 8 + static_cast<std::ptrdiff_t>(json.size()));
  return b;
}

template <class T>
Bytes le_bytes(std::initializer_list<T> values) {
  Bytes b;
  for (T v : values) {
    std::uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));  // the test machine is little-endian (x86-64)
    b.insert(b.end(), raw, raw + sizeof(T));
  }
  return b;
}

/// The message of loading `bytes` into a 2x2 "w" and a 1x2 "b".
std::string load_error(const Bytes& bytes) {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  write_bytes(path, bytes);
  Matrix<float> w(2, 2), b(1, 2);
  try {
    keisan::load_safetensors<float>(path, {{"w", &w}, {"b", &b}});
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    return msg.substr(msg.find(".safetensors: ") + 14);
  }
  return "no error";
}

const std::string good_json =
    R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})";
const Bytes good_data = le_bytes<float>({1, 2, 3, 4, 5, 6});

}  // namespace

TEST_CASE("safetensors: float and double round trip bit-exactly, with metadata", "[io]") {
  TempDir dir;
  Matrix<float> wf = Matrix<float>::Random(3, 5), bf = Matrix<float>::Random(1, 5);
  Matrix<double> wd = Matrix<double>::Random(4, 2);
  keisan::save_safetensors<float>(dir.file("f.safetensors"), {{"fc.W", &wf}, {"fc.b", &bf}}, {{"note", "hello"}});
  keisan::save_safetensors<double>(dir.file("d.safetensors"), {{"w", &wd}});
  Matrix<float> wf2(3, 5), bf2(1, 5);
  Matrix<double> wd2(4, 2);
  const auto info = keisan::load_safetensors<float>(dir.file("f.safetensors"), {{"fc.W", &wf2}, {"fc.b", &bf2}});
  keisan::load_safetensors<double>(dir.file("d.safetensors"), {{"w", &wd2}});
  REQUIRE(std::memcmp(wf.data(), wf2.data(), sizeof(float) * 15) == 0);
  REQUIRE(std::memcmp(bf.data(), bf2.data(), sizeof(float) * 5) == 0);
  REQUIRE(std::memcmp(wd.data(), wd2.data(), sizeof(double) * 8) == 0);
  REQUIRE(info.metadata.at("note") == "hello");
  REQUIRE_FALSE(std::filesystem::exists(dir.file("f.safetensors.tmp")));
  // The header is 8-byte aligned JSON as the format asks.
  const Bytes raw = keisan::test::read_bytes(dir.file("f.safetensors"));
  REQUIRE(raw[0] % 8 == 0);
  REQUIRE(raw[8] == '{');
}

TEST_CASE("safetensors: a file assembled by hand loads, and F64 converts into a float model", "[io]") {
  TempDir dir;
  write_bytes(dir.file("m.safetensors"), assemble(good_json, good_data));
  Matrix<float> w(2, 2), b(1, 2);
  keisan::load_safetensors<float>(dir.file("m.safetensors"), {{"w", &w}, {"b", &b}});
  Matrix<float> ew(2, 2), eb(1, 2);
  ew << 1, 2, 3, 4;
  eb << 5, 6;
  REQUIRE(w == ew);
  REQUIRE(b == eb);
  const std::string json64 =
      R"({"__metadata__":{"format":"pt"},"x":{"dtype":"F64","shape":[1,2],"data_offsets":[0,16]}})";
  write_bytes(dir.file("d.safetensors"), assemble(json64, le_bytes<double>({0.5, -2})));
  Matrix<float> x(1, 2);
  keisan::load_safetensors<float>(dir.file("d.safetensors"), {{"x", &x}});
  REQUIRE(x(0, 0) == 0.5f);
  REQUIRE(x(0, 1) == -2.0f);
}

TEST_CASE("safetensors: malformed files and model mismatches get clear errors", "[io]") {
  REQUIRE(load_error({1, 2, 3}) == "too short for a safetensors file (3 bytes)");
  Bytes huge = assemble(good_json, good_data);
  huge[6] = 1;  // header length ~2^48
  REQUIRE(load_error(huge) ==
          "header length " + std::to_string((1ull << 48) + good_json.size()) + " exceeds the 100 MB limit");
  Bytes past = assemble(good_json, good_data);
  past[0] = static_cast<std::uint8_t>(past[0] + 100);
  REQUIRE_THAT(load_error(past),
               Catch::StartsWith("header length ") && Catch::Contains(" runs past the end of the file"));
  REQUIRE_THAT(load_error(assemble("{not json", {})), Catch::StartsWith("header is not valid JSON: "));
  REQUIRE(load_error(assemble("[1,2]", {})) == "header is not a JSON object");
  Bytes truncated = assemble(good_json, good_data);
  truncated.resize(truncated.size() - 4);
  REQUIRE(load_error(truncated) == "tensor 'b': data_offsets [16, 24] fall outside the 20 data bytes");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]}})", {1, 2, 3, 4})) ==
          "tensor 'w': unsupported dtype I8 (keisan reads F32 and F64)");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", good_data)) ==
          "tensor 'w': holds 12 bytes but its shape and dtype need 16");
  REQUIRE(
      load_error(assemble(
          R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
          good_data)) == "tensors 'w' and 'b' overlap");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"F32","shape":[-2,2],"data_offsets":[0,16]}})", good_data)) ==
          "tensor 'w': shape entries must be non-negative integers");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})",
                              good_data)) == "tensor 'w': shape is larger than the file");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"F32","shape":[2,2]}})", good_data)) ==
          "tensor 'w': needs dtype, shape and data_offsets");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":32,"shape":[2,2],"data_offsets":[0,16]}})", good_data)) ==
          "tensor 'w': dtype is not a string");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", good_data)) ==
          "tensor 'w': shape is not an array");
  REQUIRE(load_error(assemble(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0]}})", good_data)) ==
          "tensor 'w': data_offsets must be two non-negative integers");
  REQUIRE(load_error(assemble(R"({"__metadata__":[1],"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})",
                              good_data)) == "__metadata__ is not an object of strings");
  REQUIRE(load_error(assemble(R"({"__metadata__":{"epochs":3}})", good_data)) ==
          "__metadata__ value 'epochs' is not a string");
  REQUIRE(
      load_error(assemble(
          R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"c":{"dtype":"F32","shape":[1,2],"data_offsets":[16,24]}})",
          good_data)) == "does not match the model: missing b; unexpected c");
  REQUIRE(
      load_error(assemble(
          R"({"w":{"dtype":"F32","shape":[1,4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
          good_data)) == "does not match the model: shape mismatch w (file [1, 4], model [2, 2])");
  TempDir dir;
  Matrix<float> w(2, 2);
  REQUIRE_THROWS_WITH(keisan::load_safetensors<float>(dir.file("none.safetensors"), {{"w", &w}}),
                      "keisan: " + dir.file("none.safetensors") + ": cannot open file");
  REQUIRE_THROWS_WITH(keisan::save_safetensors<float>(dir.file("no/such/dir/x.safetensors"), {{"w", &w}}),
                      "keisan: " + dir.file("no/such/dir/x.safetensors") + ": cannot open for writing");
  REQUIRE_THROWS_MATCHES(
      keisan::save_safetensors<float>(dir.file("x.safetensors"), {{"w", &w}, {"w", &w}}), keisan::ValueError,
      Catch::Matchers::Message("keisan::save_safetensors: empty, reserved or duplicate tensor name 'w'"));
}

TEST_CASE("safetensors: save replaces only a regular file, and leaves the user's files alone", "[io]") {
  TempDir dir;
  Matrix<float> w = Matrix<float>::Constant(2, 2, 1.5f);
  // A FIFO, a directory: the rename would have replaced them with a regular file (as root, a
  // save to /dev/null would replace /dev/null; a FIFO stands in for it here).
  REQUIRE(mkfifo(dir.file("pipe").c_str(), 0600) == 0);
  REQUIRE_THROWS_MATCHES(
      keisan::save_safetensors<float>(dir.file("pipe"), {{"w", &w}}), FormatError,
      Catch::Matchers::Message("keisan: " + dir.file("pipe") + ": is not a regular file; refusing to replace it"));
  REQUIRE(std::filesystem::is_fifo(dir.file("pipe")));
  std::filesystem::create_directory(dir.file("d.safetensors"));
  REQUIRE_THROWS_WITH(keisan::save_safetensors<float>(dir.file("d.safetensors"), {{"w", &w}}),
                      "keisan: " + dir.file("d.safetensors") + ": is not a regular file; refusing to replace it");
  REQUIRE(std::filesystem::is_directory(dir.file("d.safetensors")));
  // A symbolic link (even to a regular file) would itself be replaced: refused, both left as they were.
  write_bytes(dir.file("real.safetensors"), {1, 2, 3});
  std::filesystem::create_symlink(dir.file("real.safetensors"), dir.file("link.safetensors"));
  REQUIRE_THROWS_WITH(keisan::save_safetensors<float>(dir.file("link.safetensors"), {{"w", &w}}),
                      "keisan: " + dir.file("link.safetensors") +
                          ": is a symbolic link; refusing to replace it (save to the file it points to)");
  REQUIRE(std::filesystem::is_symlink(dir.file("link.safetensors")));
  REQUIRE(keisan::test::read_bytes(dir.file("real.safetensors")) == Bytes{1, 2, 3});
  // The temporary file is a new one of keisan's own: the user's w.safetensors.tmp survives.
  write_bytes(dir.file("w.safetensors.tmp"), {7, 7});
  keisan::save_safetensors<float>(dir.file("w.safetensors"), {{"w", &w}});
  REQUIRE(keisan::test::read_bytes(dir.file("w.safetensors.tmp")) == Bytes{7, 7});
  Matrix<float> back(2, 2);
  keisan::load_safetensors<float>(dir.file("w.safetensors"), {{"w", &back}});
  REQUIRE(back == w);
  std::size_t files = 0;  // and nothing is left behind: w, w.tmp, pipe, d, real, link
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  REQUIRE(files == 6);
}

TEST_CASE("safetensors: a failed load leaves the model untouched", "[io]") {
  TempDir dir;
  write_bytes(dir.file("m.safetensors"),
              assemble(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", good_data));
  Matrix<float> w = Matrix<float>::Constant(2, 2, 7), b = Matrix<float>::Constant(1, 2, 7);
  REQUIRE_THROWS_AS(keisan::load_safetensors<float>(dir.file("m.safetensors"), {{"w", &w}, {"b", &b}}), FormatError);
  REQUIRE(w == Matrix<float>::Constant(2, 2, 7));
}

TEST_CASE("safetensors: parameters of a network round trip through their names", "[io][nn]") {
  TempDir dir;
  keisan::Rng rng(3);
  keisan::Sequential<float> a, b;
  a.add(keisan::Affine<float>(4, 3, keisan::Init::he, rng))
      .add(keisan::ReLU<float>())
      .add(keisan::Affine<float>(3, 2, keisan::Init::he, rng));
  b.add(keisan::Affine<float>(4, 3, keisan::Init::he, rng))
      .add(keisan::ReLU<float>())
      .add(keisan::Affine<float>(3, 2, keisan::Init::he, rng));
  keisan::save_safetensors(dir.file("net.safetensors"), a.parameters());
  keisan::load_safetensors(dir.file("net.safetensors"), b.parameters());
  for (std::size_t i = 0; i < 4; ++i)
    REQUIRE(a.parameters()[i].parameter->value() == b.parameters()[i].parameter->value());
}

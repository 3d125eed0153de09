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
          "tensor 'w': unsupported dtype I8 (keisan reads F32, F64, I32, I64 and U8)");
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

TEST_CASE("safetensors: integer entries save as I64 scalars and round trip with matrices", "[io]") {
  TempDir dir;
  Matrix<double> m = Matrix<double>::Random(2, 3);
  std::int64_t step = -1234567890123, big = std::int64_t(1) << 62;
  keisan::save_safetensors<double>(dir.file("s.safetensors"),
                                   {{"m", &m, nullptr}, {"step", nullptr, &step}, {"big", nullptr, &big}});
  const auto info = keisan::read_safetensors_info(dir.file("s.safetensors"));
  REQUIRE(info.tensors.size() == 3);
  REQUIRE(info.tensors[1].name == "step");
  REQUIRE(info.tensors[1].dtype == "I64");
  REQUIRE(info.tensors[1].shape.empty());  // a scalar, as the format allows
  REQUIRE(info.tensors[1].elements() == 1);
  Matrix<double> m2(2, 3);
  std::int64_t step2 = 0, big2 = 0;
  keisan::load_safetensors<double>(dir.file("s.safetensors"),
                                   {{"big", nullptr, &big2}, {"m", &m2, nullptr}, {"step", nullptr, &step2}});
  REQUIRE(m2 == m);
  REQUIRE(step2 == step);
  REQUIRE(big2 == big);
  // An integer scalar also reads as a 1x1 matrix.
  REQUIRE(keisan::read_safetensors_tensor<double>(dir.file("s.safetensors"), "step")(0, 0) == -1234567890123.0);
}

TEST_CASE("safetensors: I32 and U8 tensors written by hand load into integers and matrices", "[io]") {
  TempDir dir;
  // An 2x2x3 U8 "image" (bytes 0..11 then 255), an I32 vector and an I32 one-element counter.
  Bytes data = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255};
  const Bytes ints = le_bytes<std::int32_t>({-7, 70000, 41});
  data.insert(data.end(), ints.begin(), ints.end());
  const std::string json =
      R"({"__metadata__":{"source":"hand"},"img":{"dtype":"U8","shape":[2,2,3],"data_offsets":[0,12]},)"
      R"("v":{"dtype":"I32","shape":[2],"data_offsets":[12,20]},"n":{"dtype":"I32","shape":[1],"data_offsets":[20,24]}})";
  write_bytes(dir.file("h.safetensors"), assemble(json, data));
  Matrix<float> img(2, 6), v(1, 2);
  std::int64_t n = 0;
  const auto info = keisan::load_safetensors<float>(dir.file("h.safetensors"),
                                                    {{"v", &v, nullptr}, {"n", nullptr, &n}, {"img", &img, nullptr}});
  Matrix<float> expected(2, 6);
  expected << 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255;
  REQUIRE(img == expected);
  REQUIRE(v(0, 0) == -7.0f);
  REQUIRE(v(0, 1) == 70000.0f);
  REQUIRE(n == 41);
  REQUIRE(info.metadata.at("source") == "hand");
  // The listing keeps the file's order (not alphabetical).
  REQUIRE(info.tensors.size() == 3);
  REQUIRE(info.tensors[0].name == "img");
  REQUIRE(info.tensors[0].dtype == "U8");
  REQUIRE(info.tensors[0].shape == std::vector<std::uint64_t>{2, 2, 3});
  REQUIRE(info.tensors[1].name == "v");
  REQUIRE(info.tensors[2].name == "n");
  REQUIRE(info.find("n")->is_integer());
  REQUIRE(info.find("zzz") == nullptr);
}

TEST_CASE("safetensors: listing a file and reading one tensor sized from the file", "[io]") {
  TempDir dir;
  const std::string json =
      R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"r":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},)"
      R"("m":{"dtype":"F32","shape":[2,3],"data_offsets":[20,44]},"t":{"dtype":"F32","shape":[2,1,2],"data_offsets":[44,60]},)"
      R"("e":{"dtype":"F32","shape":[0,4],"data_offsets":[60,60]}})";
  Bytes data = le_bytes<double>({2.5});
  const Bytes floats = le_bytes<float>({1, 2, 3, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23});
  data.insert(data.end(), floats.begin(), floats.end());
  const Bytes file = assemble(json, data);
  write_bytes(dir.file("l.safetensors"), file);
  const auto info = keisan::read_safetensors_info(dir.file("l.safetensors"));
  REQUIRE(info.metadata.empty());
  std::vector<std::string> names;
  for (const auto& t : info.tensors) names.push_back(t.name);
  REQUIRE(names == std::vector<std::string>{"s", "r", "m", "t", "e"});
  REQUIRE(info.tensors[3].shape == std::vector<std::uint64_t>{2, 1, 2});
  REQUIRE(info.tensors[2].begin == 20);
  REQUIRE(info.tensors[2].end == 44);
  const auto info2 = keisan::parse_safetensors_info(file.data(), file.size(), "mem");
  REQUIRE(info2.tensors.size() == 5);

  const std::string path = dir.file("l.safetensors");
  const Matrix<float> s = keisan::read_safetensors_tensor<float>(path, "s");
  REQUIRE((s.rows() == 1 && s.cols() == 1 && s(0, 0) == 2.5f));
  const Matrix<double> r = keisan::read_safetensors_tensor<double>(path, "r");
  REQUIRE((r.rows() == 1 && r.cols() == 3 && r(0, 2) == 3.0));
  Matrix<float> em(2, 3);
  em << 10, 11, 12, 13, 14, 15;
  REQUIRE(keisan::read_safetensors_tensor<float>(path, "m") == em);
  Matrix<float> et(2, 2);  // [2, 1, 2]: 2 rows of 1 * 2
  et << 20, 21, 22, 23;
  REQUIRE(keisan::read_safetensors_tensor<float>(path, "t") == et);
  const Matrix<float> e = keisan::read_safetensors_tensor<float>(path, "e");
  REQUIRE((e.rows() == 0 && e.cols() == 4));
  REQUIRE(keisan::parse_safetensors_tensor<float>(file.data(), file.size(), "mem", "m") == em);
  REQUIRE_THROWS_MATCHES(keisan::read_safetensors_tensor<float>(path, "w"), FormatError,
                         Catch::Matchers::Message("keisan: " + path + ": has no tensor 'w'"));
  REQUIRE_THROWS_WITH(keisan::parse_safetensors_tensor<float>(file.data(), file.size(), "mem", "w"),
                      "keisan: mem: has no tensor 'w'");
  // A zero-element tensor whose other dimensions overflow has no matrix shape.
  write_bytes(dir.file("z.safetensors"),
              assemble(R"({"z":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})", {}));
  REQUIRE_THROWS_WITH(keisan::read_safetensors_tensor<float>(dir.file("z.safetensors"), "z"),
                      "keisan: " + dir.file("z.safetensors") +
                          ": tensor 'z': shape [0, 4294967296, 4294967296] is too large for a matrix");
  // The header-only reader checks the file as the full parser does.
  write_bytes(dir.file("short.safetensors"), {1, 2});
  REQUIRE_THROWS_WITH(keisan::read_safetensors_info(dir.file("short.safetensors")),
                      "keisan: " + dir.file("short.safetensors") + ": too short for a safetensors file (2 bytes)");
  REQUIRE_THROWS_WITH(keisan::read_safetensors_info(dir.file("none.safetensors")),
                      "keisan: " + dir.file("none.safetensors") + ": cannot open file");
}

TEST_CASE("safetensors: a subset of a larger file loads with LoadOptions", "[io]") {
  TempDir dir;
  Matrix<float> w = Matrix<float>::Random(2, 2), mom = Matrix<float>::Random(2, 2);
  std::int64_t step = 9;
  const std::string path = dir.file("c.safetensors");
  keisan::save_safetensors<float>(
      path, {{"w", &w, nullptr}, {"optimizer.w.m", &mom, nullptr}, {"optimizer.step", nullptr, &step}});
  Matrix<float> w2 = Matrix<float>::Zero(2, 2), b2 = Matrix<float>::Constant(1, 2, 7);
  // Strict: every problem at once, nothing written.
  REQUIRE_THROWS_WITH(
      keisan::load_safetensors<float>(path, {{"w", &w2, nullptr}, {"b", &b2, nullptr}}),
      "keisan: " + path + ": does not match the model: missing b; unexpected optimizer.w.m optimizer.step");
  REQUIRE(w2 == Matrix<float>::Zero(2, 2));
  keisan::LoadOptions take_only{false, true};
  REQUIRE_THROWS_WITH(keisan::load_safetensors<float>(path, {{"w", &w2, nullptr}, {"b", &b2, nullptr}}, take_only),
                      "keisan: " + path + ": does not match the model: missing b");
  keisan::load_safetensors<float>(path, {{"w", &w2, nullptr}}, take_only);
  REQUIRE(w2 == w);
  keisan::LoadOptions lenient{true, true};
  w2.setZero();
  keisan::load_safetensors<float>(path, {{"w", &w2, nullptr}, {"b", &b2, nullptr}}, lenient);
  REQUIRE(w2 == w);
  REQUIRE(b2 == Matrix<float>::Constant(1, 2, 7));  // missing: kept
  // Shapes and dtypes never pass, whatever the options; all reported together.
  Matrix<float> wrong(3, 2);
  std::int64_t as_int = 0;
  Matrix<float> step_as_matrix(1, 1);
  REQUIRE_THROWS_WITH(
      keisan::load_safetensors<float>(
          path,
          {{"w", &wrong, nullptr}, {"optimizer.w.m", nullptr, &as_int}, {"optimizer.step", &step_as_matrix, nullptr}},
          lenient),
      "keisan: " + path +
          ": does not match the model: shape mismatch w (file [2, 2], model [3, 2]); dtype mismatch "
          "optimizer.w.m (file F32, model I64)");
  REQUIRE(step_as_matrix(0, 0) != 9.0f);  // nothing written
  REQUIRE(as_int == 0);
}

TEST_CASE("safetensors: integer entries need one integer element; state lists must be well formed", "[io]") {
  TempDir dir;
  write_bytes(dir.file("i.safetensors"),
              assemble(R"({"n":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})", le_bytes<std::int32_t>({1, 2})));
  std::int64_t n = 5;
  REQUIRE_THROWS_WITH(
      keisan::load_safetensors<float>(dir.file("i.safetensors"), {{"n", nullptr, &n}}),
      "keisan: " + dir.file("i.safetensors") + ": does not match the model: shape mismatch n (file [2], model [])");
  REQUIRE(n == 5);
  Matrix<float> w(1, 1);
  REQUIRE_THROWS_MATCHES(
      keisan::load_safetensors<float>(dir.file("i.safetensors"), {{"n", nullptr, nullptr}}), keisan::ValueError,
      Catch::Matchers::Message(
          "keisan::load_safetensors: state entry 'n' must point to exactly one of a matrix and an integer"));
  REQUIRE_THROWS_WITH(keisan::save_safetensors<float>(dir.file("x.safetensors"), {{"w", &w, &n}}),
                      "keisan::save_safetensors: state entry 'w' must point to exactly one of a matrix and an integer");
  REQUIRE_THROWS_WITH(
      keisan::load_safetensors<float>(dir.file("i.safetensors"), {{"n", nullptr, &n}, {"n", &w, nullptr}}),
      "keisan::load_safetensors: duplicate state name 'n'");
}

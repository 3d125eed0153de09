// keisan tests: checkpoints: the round trip, the file as plain safetensors, the version constant,
// and refused files (not a checkpoint, newer, bad metadata, truncated, a tensor missing).
// SPDX-License-Identifier: MIT
#include <cstring>
#include <filesystem>
#include <keisan/io/checkpoint.hpp>
#include <keisan/keisan.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

using keisan::CheckpointInfo;
using keisan::FormatError;
using keisan::Matrix;
using keisan::StateList;
using keisan::test::TempDir;

namespace {

/// A hand-made model (two matrices) and optimizer-like state (a slot per matrix and a step).
struct Training {
  Matrix<float> w = Matrix<float>::Random(3, 2), b = Matrix<float>::Random(1, 2);
  Matrix<float> w_m = Matrix<float>::Random(3, 2), b_m = Matrix<float>::Random(1, 2);
  std::int64_t step = 0;

  StateList<float> model() { return {{"0.W", &w, nullptr}, {"0.b", &b, nullptr}}; }
  StateList<float> optimizer() {
    return {{"0.W.m", &w_m, nullptr}, {"0.b.m", &b_m, nullptr}, {"step", nullptr, &step}};
  }
  void fill(float v) {
    w.setConstant(v);
    b.setConstant(v);
    w_m.setConstant(v);
    b_m.setConstant(v);
    step = static_cast<std::int64_t>(v);
  }
  bool all(float v) const {
    return (w.array() == v).all() && (b.array() == v).all() && (w_m.array() == v).all() && (b_m.array() == v).all() &&
           step == static_cast<std::int64_t>(v);
  }
};

CheckpointInfo sample_info() {
  keisan::MinibatchSampler sampler(23, 5, {keisan::Sampling::shuffle, false, 4});
  std::vector<keisan::Index> idx;
  sampler.next(idx);
  sampler.next(idx);
  CheckpointInfo info;
  info.epoch = 3;
  info.step = 1234;
  info.seed = 18446744073709551615ull;
  info.sampler = sampler.state();
  info.extra["architecture"] = "784-50-10 relu";
  return info;
}

std::string error_of(const std::string& path, Training& t) {
  try {
    (void)keisan::load_checkpoint(path, t.model(), t.optimizer());
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("checkpoint: model, optimizer state and metadata round trip in one safetensors file", "[io]") {
  TempDir dir;
  const std::string path = dir.file("run.ckpt.safetensors");
  Training a;
  a.step = 1234;
  const CheckpointInfo info = sample_info();
  keisan::save_checkpoint(path, a.model(), a.optimizer(), info);
  REQUIRE(std::filesystem::exists(path));
  REQUIRE(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) ==
          1);  // the atomic write leaves no temporary file behind

  Training b;
  b.fill(0);
  const CheckpointInfo loaded = keisan::load_checkpoint(path, b.model(), b.optimizer());
  REQUIRE(b.w == a.w);
  REQUIRE(b.b == a.b);
  REQUIRE(b.w_m == a.w_m);
  REQUIRE(b.b_m == a.b_m);
  REQUIRE(b.step == 1234);
  REQUIRE(loaded.epoch == 3);
  REQUIRE(loaded.step == 1234);
  REQUIRE(loaded.seed == 18446744073709551615ull);
  REQUIRE(loaded.sampler.has_value());
  REQUIRE(*loaded.sampler == *info.sampler);
  REQUIRE(loaded.extra == info.extra);
  REQUIRE(loaded.keisan_version == KEISAN_VERSION);
  REQUIRE(loaded.format_version == keisan::checkpoint_format_version);

  // Any safetensors reader sees the model under its own names and the optimizer under "optimizer.".
  const auto listing = keisan::read_safetensors_info(path);
  std::vector<std::string> names;
  for (const auto& t : listing.tensors) names.push_back(t.name);
  REQUIRE(names == std::vector<std::string>{"0.W", "0.b", "optimizer.0.W.m", "optimizer.0.b.m", "optimizer.step"});
  REQUIRE(listing.metadata.at("format") == "keisan-checkpoint");
  REQUIRE(listing.metadata.at("format_version") == "1");
  REQUIRE(listing.metadata.at("architecture") == "784-50-10 relu");
  REQUIRE(listing.metadata.at("sampler.mode") == "shuffle");
  // The model alone loads from it, skipping the optimizer's tensors.
  Training c;
  keisan::load_safetensors<float>(path, c.model(), {false, true});
  REQUIRE(c.w == a.w);

  // Without a sampler, and with an empty optimizer state.
  CheckpointInfo plain;
  plain.epoch = 1;
  keisan::save_checkpoint<float>(dir.file("p.safetensors"), a.model(), {}, plain);
  const CheckpointInfo p = keisan::load_checkpoint<float>(dir.file("p.safetensors"), b.model(), {});
  REQUIRE_FALSE(p.sampler.has_value());
  REQUIRE(p.epoch == 1);
  REQUIRE(p.extra.empty());
}

TEST_CASE("checkpoint: KEISAN_VERSION is the project's version", "[io]") {
  REQUIRE(std::string(KEISAN_VERSION) == KEISAN_PROJECT_VERSION);
  REQUIRE(std::string(KEISAN_VERSION) == std::to_string(KEISAN_VERSION_MAJOR) + "." +
                                             std::to_string(KEISAN_VERSION_MINOR) + "." +
                                             std::to_string(KEISAN_VERSION_PATCH));
}

TEST_CASE("checkpoint: refused files name the problem and fill nothing", "[io]") {
  TempDir dir;
  Training a;
  const std::string good = dir.file("good.safetensors");
  keisan::save_checkpoint(good, a.model(), a.optimizer(), sample_info());
  Training b;
  b.fill(5);

  SECTION("plain weights are not a checkpoint") {
    const std::string path = dir.file("w.safetensors");
    keisan::save_safetensors(path, a.model());
    REQUIRE(error_of(path, b) == "keisan: " + path +
                                     ": not a keisan checkpoint (no format in its metadata; plain weights load with "
                                     "load_safetensors)");
    keisan::save_safetensors(path, a.model(), {{"format", "pt"}});
    REQUIRE(error_of(path, b) == "keisan: " + path +
                                     ": not a keisan checkpoint (its metadata format is 'pt'; plain weights load "
                                     "with load_safetensors)");
  }
  SECTION("a truncated or corrupted file") {
    auto bytes = keisan::test::read_bytes(good);
    const std::string path = dir.file("bad.safetensors");
    keisan::test::write_bytes(path, {bytes.begin(), bytes.end() - 3});
    REQUIRE_THAT(error_of(path, b), Catch::Contains(": data_offsets [") && Catch::Contains("fall outside the"));
    bytes[8] = '#';  // the JSON header's opening brace
    keisan::test::write_bytes(path, bytes);
    REQUIRE_THAT(error_of(path, b), Catch::StartsWith("keisan: " + path + ": header is not valid JSON: "));
  }
  SECTION("a tensor missing, another unexpected: all listed") {
    const std::string path = dir.file("m.safetensors");
    CheckpointInfo info;
    Matrix<float> extra(1, 1);
    keisan::save_checkpoint<float>(path, {{"0.W", &a.w, nullptr}, {"1.W", &extra, nullptr}},
                                   {{"0.W.m", &a.w_m, nullptr}, {"step", nullptr, &a.step}}, info);
    REQUIRE(error_of(path, b) ==
            "keisan: " + path + ": does not match the model: missing 0.b optimizer.0.b.m; unexpected 1.W");
  }
  SECTION("a newer format, or bad metadata") {
    const std::string path = dir.file("v.safetensors");
    auto with = [&](std::map<std::string, std::string> changes) {
      std::map<std::string, std::string> m = keisan::read_safetensors_info(good).metadata;
      for (auto& [k, v] : changes) {
        if (v.empty())
          m.erase(k);
        else
          m[k] = v;
      }
      keisan::save_safetensors(path, keisan::concat(a.model(), keisan::prefixed(a.optimizer(), "optimizer.")), m);
      return error_of(path, b);
    };
    REQUIRE(with({{"format_version", "2"}}) ==
            "keisan: " + path +
                ": checkpoint format version 2 is newer than this keisan (" KEISAN_VERSION ") reads (1)");
    REQUIRE(with({{"epoch", ""}, {"seed", "-1"}, {"step", "12x"}, {"sampler.produced", "many"}}) ==
            "keisan: " + path +
                ": bad checkpoint metadata: 'epoch' is missing; 'step' is '12x', not an integer; 'seed' is '-1', not "
                "an integer; 'sampler.produced' is 'many', not a valid value");
  }
  REQUIRE(b.all(5));  // every refusal left the states alone
}

TEST_CASE("checkpoint: extra metadata may not use the checkpoint's own keys", "[io]") {
  TempDir dir;
  Training a;
  CheckpointInfo info;
  info.extra["sampler.epoch"] = "x";
  REQUIRE_THROWS_MATCHES(
      keisan::save_checkpoint(dir.file("x.safetensors"), a.model(), a.optimizer(), info), keisan::ValueError,
      Catch::Matchers::Message(
          "keisan::save_checkpoint: extra metadata key 'sampler.epoch' is reserved for the checkpoint"));
  REQUIRE_FALSE(std::filesystem::exists(dir.file("x.safetensors")));
}

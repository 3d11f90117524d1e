// inspect on the external vectors: the layout their README describes.
#include "cenc/inspect.h"

#include <catch2/catch.hpp>

#include "base/json.h"

#include "test_util.h"

using namespace wee;
using json = wee::Json;

namespace {

json Inspect(const std::vector<std::string>& files) {
  Bytes all;
  for (const auto& f : files) {
    Bytes b = test::ReadTestData(f);
    all.insert(all.end(), b.begin(), b.end());
  }
  auto text = cenc::InspectToJson(all);
  REQUIRE(text.ok());
  json j = json::parse(*text, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("inspect: cenc audio+video with a Common SystemID pssh") {
  json j = Inspect({"mp4ff/prog_8s_enc_dashinit.mp4"});
  REQUIRE(j["tracks"].size() == 2);
  for (const json& t : j["tracks"]) {
    CHECK(t["scheme"] == "cenc");
    CHECK(t["perSampleIvSize"] == 8);
    CHECK(t["defaultKid"] == "cd7eb9ff88f34caeb06185b00024e4c2");
  }
  REQUIRE(j["pssh"].size() == 1);
  CHECK(j["pssh"][0]["systemId"] == "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b");
  CHECK(j["pssh"][0]["kids"][0] == "cd7eb9ff88f34caeb06185b00024e4c2");
}

TEST_CASE("inspect: cbcs pattern and constant IV; seig KID of a rotation fragment") {
  json cbcs = Inspect({"mp4ff/cbcs.mp4"});
  CHECK(cbcs["tracks"][0]["pattern"] == "1:9");
  CHECK(cbcs["tracks"][0]["constantIv"] == "cbe3327da85a1e7a74496db552dfe6d0");
  CHECK(cbcs["tracks"][1]["protected"] == false);
  json piff = Inspect({"mp4ff/PIFF_audio_init.mp4", "mp4ff/PIFF_audio_segment-1.0001.m4s"});
  REQUIRE(piff["fragments"].size() == 1);
  CHECK(piff["fragments"][0]["tracks"][0]["kids"][0] == "21b82dc2ebb24d5aa9f8631f04726650");
}

TEST_CASE("inspect: errors name the problem") {
  CHECK(cenc::InspectToJson(test::Hex("0000000866726565")).status().message() ==
        "no moov box: not an MP4 init segment");
  Bytes cut = test::ReadTestData("mp4ff/cbcs.mp4");
  cut.resize(cut.size() - 10);
  auto r = cenc::InspectToJson(cut);
  CHECK(r.status().code() == Code::kMalformed);
  CHECK(r.status().message().rfind("truncated box at byte 16064", 0) == 0);
}

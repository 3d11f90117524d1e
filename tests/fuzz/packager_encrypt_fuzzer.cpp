// Fuzzes the packager's Encryptor on hostile "clear fragmented MP4" input, split into pieces.
// Oracles: the same input gives the same result twice (output or error: deterministic, and a
// failed piece leaves no state behind); a success only adds bytes; when the mp4 parser reads
// the output, every protected sample passes DecryptSample's layout validation.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "cenc/scheme.h"
#include "mp4/parser.h"
#include "packager/encryptor.h"

using namespace wee;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Run {
  std::vector<Status> statuses;
  std::vector<Bytes> outputs;
};

Run Encrypt(const packager::EncryptOptions& options, const std::vector<Bytes>& pieces, bool two_keys) {
  packager::Encryptor e(options);
  const Bytes kid1(16, 1), key1(16, 2), kid2(16, 3), key2(16, 4);
  Check(e.AddKey("", kid1, key1).ok());
  if (two_keys) Check(e.AddKey(options.rotation_period ? "" : "audio", kid2, key2).ok());
  Run run;
  for (const Bytes& piece : pieces) {
    Bytes out;
    run.statuses.push_back(e.Process(piece, &out));
    if (!run.statuses.back().ok()) Check(out.empty());
    run.outputs.push_back(std::move(out));
  }
  return run;
}

// Parses what the parser can of an encrypted stream and validates every protected sample.
void CheckDecryptable(const Bytes& stream, cenc::Scheme scheme) {
  mp4::InitSegment init;
  if (!mp4::ParseInit(stream, &init).ok()) return;
  auto key = cenc::ContentKey::Create(Bytes(16, 2));
  for (uint64_t pos = 0; pos < stream.size();) {
    mp4::BoxHeader h;
    if (!mp4::ReadBoxHeader(stream, pos, true, &h).ok()) return;
    if (h.type == mp4::MakeFourCC("moof")) {
      mp4::Fragment f;
      if (mp4::ParseFragment(stream, pos, init, &f).ok()) {
        for (const auto& traf : f.trafs) {
          for (const auto& sample : traf.samples) {
            if (!sample.is_protected || sample.data_offset + sample.size > stream.size()) continue;
            Bytes data(stream.begin() + sample.data_offset,
                       stream.begin() + sample.data_offset + sample.size);
            Check(cenc::DecryptSample(scheme, *key, sample, data.data(), data.size()).ok());
          }
        }
      }
    }
    pos += h.size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  FuzzedDataProvider in(data, 4);
  packager::EncryptOptions options;
  options.scheme = cenc::Scheme(in.ConsumeIntegralInRange<int>(0, 3));
  options.iv_seed = Bytes(8, 9);
  options.rotation_period = in.ConsumeIntegralInRange<uint32_t>(0, 2);
  options.clear_key_pssh = in.ConsumeBool();
  options.cbcs_per_sample_iv = in.ConsumeBool();
  options.write_sidx = in.ConsumeBool();
  const bool two_keys = in.ConsumeBool();
  // The rest: one piece, or two split at a position taken from the input.
  const uint8_t split = data[3];
  const Bytes all(data + 4, data + size);
  std::vector<Bytes> pieces;
  if (split < 128 || all.size() < 2) {
    pieces.push_back(all);
  } else {
    const size_t at = (size_t(split) * all.size()) / 256;
    pieces.emplace_back(all.begin(), all.begin() + at);
    pieces.emplace_back(all.begin() + at, all.end());
  }

  const Run a = Encrypt(options, pieces, two_keys);
  const Run b = Encrypt(options, pieces, two_keys);
  Bytes stream;
  for (size_t i = 0; i < pieces.size(); ++i) {
    Check(a.statuses[i].code() == b.statuses[i].code());
    Check(a.statuses[i].message() == b.statuses[i].message());
    Check(a.outputs[i] == b.outputs[i]);
    if (a.statuses[i].ok()) {
      Check(a.outputs[i].size() >= pieces[i].size());
      stream.insert(stream.end(), a.outputs[i].begin(), a.outputs[i].end());
    }
  }
  if (a.statuses[0].ok()) CheckDecryptable(stream, options.scheme);
  return 0;
}

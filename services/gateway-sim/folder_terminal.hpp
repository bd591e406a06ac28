// The simulator as a 資格確認端末 on the folder exchange: answers req/<kind>req_<id>.xml with
// res/<kind>res_<id>.xml (atomically), and plays the face-authentication card reader: a file
// named after a card serial dropped into reader/ (e.g. `touch DIR/reader/1001`) produces
// face/OQSsiquc01res_face_<time>_<n>.xml for that card holder.
#pragma once

#include "sim_gateway.hpp"

#include <filesystem>

namespace madoguchi::sim {

int run_folder(SimGateway& gateway, const std::filesystem::path& root, int latency_ms);

}  // namespace madoguchi::sim

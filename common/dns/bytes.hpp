// The DNS codec's byte cursors are the suite's shared ones (common/wire/bytes.hpp).
#pragma once

#include "wire/bytes.hpp"

namespace dns {

using wire::ByteReader;
using wire::ByteWriter;
using wire::load_u16;
using wire::store_u16;

}  // namespace dns

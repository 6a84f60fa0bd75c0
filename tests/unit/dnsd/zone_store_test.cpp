#include "dnsd/zone_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "test_zones.hpp"

namespace dnsd {
namespace {

using dnsd::test::ZoneDir;

std::string soa_zone(int serial) {
    return "$ORIGIN store.test.\n@ 3600 SOA ns hostmaster " + std::to_string(serial) +
           " 7200 3600 1209600 300\n@ NS ns\nns A 192.0.2.1\n";
}

// The per-thread snapshot is keyed by the store's address: give each test its own store
// that outlives the thread's snapshot.
TEST(ZoneStore, ReloadSwapsInANewSetAndBumpsTheGeneration) {
    static ZoneStore store;
    ZoneDir dir;
    std::vector<ZoneSpec> specs{{dir.write("store.test.zone", soa_zone(1)), std::nullopt, {}}};
    EXPECT_EQ(store.generation(), 0u);
    ASSERT_TRUE(reload_zones(store, specs, {}));
    EXPECT_EQ(store.generation(), 1u);
    auto first = store.get();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->zones()[0]->serial(), 1u);
    EXPECT_EQ(worker(store, {}).zones, first);

    (void)dir.write("store.test.zone", soa_zone(2));
    ASSERT_TRUE(reload_zones(store, specs, {}));
    EXPECT_EQ(store.generation(), 2u);
    EXPECT_EQ(store.get()->zones()[0]->serial(), 2u);
    EXPECT_EQ(worker(store, {}).zones, store.get());  // the snapshot follows the generation
}

TEST(ZoneStore, ABrokenZoneKeepsThePreviousSet) {
    static ZoneStore store;
    ZoneDir dir;
    std::vector<ZoneSpec> specs{{dir.write("store.test.zone", soa_zone(1)), std::nullopt, {}}};
    ASSERT_TRUE(reload_zones(store, specs, {}));
    auto before = store.get();
    (void)dir.write("store.test.zone", soa_zone(3) + "x TXT \"unterminated\n");
    EXPECT_FALSE(reload_zones(store, specs, {}));
    EXPECT_EQ(store.get(), before);
    EXPECT_EQ(store.generation(), 1u);
    EXPECT_EQ(worker(store, {}).zones->zones()[0]->serial(), 1u);
}

TEST(ZoneStore, FirstLoadFailureServesNothing) {
    static ZoneStore store;
    std::vector<ZoneSpec> specs{{"/nonexistent/store.test.zone", std::nullopt, {}}};
    EXPECT_FALSE(reload_zones(store, specs, {}));
    EXPECT_FALSE(store.get());
    EXPECT_EQ(store.generation(), 0u);
}

TEST(ZoneStore, AnswersArePreparedAtLoad) {
    static ZoneStore store;
    ZoneDir dir;
    std::vector<ZoneSpec> specs{{dir.write("store.test.zone", soa_zone(1)), std::nullopt, {}}};
    ASSERT_TRUE(reload_zones(store, specs, {}));
    std::string ns(dns::Name::parse("ns.store.test.").wire());
    EXPECT_NE(store.get()->zones()[0]->find(ns)->prepared_for(dns::type::A), nullptr);
}

TEST(ZoneStore, EachThreadHasItsOwnWorker) {
    static ZoneStore store;
    ZoneDir dir;
    std::vector<ZoneSpec> specs{{dir.write("store.test.zone", soa_zone(1)), std::nullopt, {}}};
    ASSERT_TRUE(reload_zones(store, specs, {}));
    Worker* here = &worker(store, {});
    Worker* there = nullptr;
    std::thread([&] { there = &worker(store, {}); }).join();
    EXPECT_NE(here, there);
}

}  // namespace
}  // namespace dnsd

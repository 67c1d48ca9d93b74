#include "engine_fixture.hpp"
namespace carebridge::platform::test {
TEST_F(EngineTest, ZZDebug) {
    std::cerr << "cfg apps " << config.applications.size() << " platform cfg apps " << platform.config().applications.size()
              << " id=" << (config.applications.empty() ? "" : config.applications[0].id)
              << " sizeof " << sizeof(app::PlatformConfig) << "\n";
}
}

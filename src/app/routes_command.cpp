#include "app/routes_command.hpp"

#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "net/asio_scheduler.hpp"
#include "net/http_client.hpp"
#include "platform/api/platform_api.hpp"
#include "platform/auth/jwt.hpp"
#include "platform/auth/tokens.hpp"
#include "platform/engine/platform.hpp"
#include "platform/events/callback_dispatcher.hpp"

namespace carebridge::app {

int print_routes() {
    // The routes do not depend on the configuration; a throwaway platform (nothing served,
    // nothing stored) builds the same table the real one does.
    boost::asio::io_context ioc;
    net::AsioScheduler scheduler(ioc);
    net::HttpClient http(ioc);
    PlatformConfig config;
    config.public_url = "http://127.0.0.1";
    const auth::KeyRing keys(auth::SigningKey::generate());
    auth::TokenService tokens(keys, config.public_url);
    platform::CallbackDispatcher callbacks(scheduler, http, [](const platform::TrustedApp&) { return std::string(); },
                                           config.public_url);
    platform::Platform engine(config, scheduler, callbacks);
    platform::api::PlatformApi api(engine, tokens, scheduler);
    boost::json::array out;
    for (const auto& r : api.router().routes()) out.push_back({{"method", r.method}, {"path", r.pattern}});
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
}

}  // namespace carebridge::app

#pragma once
// The helpdesk on a caller's io_context: its HTTP server (bound first, so its URL is known
// before the platform is told where to call back) and, once started, the Helpdesk service.
#include <memory>
#include <string>

#include "helpdesk/settings.hpp"

namespace boost::asio {
class io_context;
}

namespace carebridge::app {

class HelpdeskRuntime {
public:
    // Binds the listen address; settings.public_url defaults to the bound URL (always, when
    // listening on port 0). Throws std::runtime_error when it cannot bind.
    HelpdeskRuntime(boost::asio::io_context& ioc, helpdesk::Settings settings);
    ~HelpdeskRuntime();
    HelpdeskRuntime(const HelpdeskRuntime&) = delete;
    HelpdeskRuntime& operator=(const HelpdeskRuntime&) = delete;

    const std::string& bound_url() const;
    const std::string& public_url() const;
    // May be completed before start() (`up` fills in the platform connection).
    helpdesk::Settings& settings();

    // Creates the service and connects to the platform (retrying while it is down).
    void start();
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace carebridge::app

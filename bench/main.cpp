// carebridge-bench: a load generator for the carebridge platform. One process, one thread,
// thousands of keep-alive connections; it plays the Service Application (with its callback
// receiver), the visitors and the agents over the real protocol. See bench/run.sh.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <cstdlib>
#include <iostream>

#include "discover.hpp"
#include "scenarios.hpp"
#include "xmpp.hpp"

namespace {

boost::asio::awaitable<void> run(bench::Bench* b, bench::Report* report, int* code, bool* finished) {
    using namespace bench;
    try {
        if (b->opt.scenario == "setup") *code = co_await run_setup(*b, *report);
        else if (b->opt.scenario == "talk") *code = co_await run_talk(*b, *report);
        else *code = co_await run_hold(*b, *report);
        co_await b->sign_out_agents();
    } catch (const std::exception& e) {
        std::cerr << "carebridge-bench: " << e.what() << "\n";
        *code = 2;
    }
    *finished = true;
}

}  // namespace

namespace asio = boost::asio;

int main(int argc, char** argv) {
    bench::Options opt;
    try {
        opt = bench::parse_options(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "carebridge-bench: " << e.what() << "\n" << bench::kUsage;
        return 2;
    }
    std::string command = "carebridge-bench";
    for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
    if (opt.scenario == "discover" || opt.scenario.rfind("xmpp-", 0) == 0) {
        // The baselines' scenarios run without the carebridge flow (no Bench).
        bench::Report report(opt.scenario, command);
        int code = opt.scenario == "discover" ? bench::run_discover(opt, report) : bench::run_xmpp(opt, report);
        std::cout << "carebridge-bench " << opt.scenario << "\n";
        report.print(std::cout);
        if (!opt.json_path.empty() && !report.write_json(opt.json_path)) {
            std::cerr << "carebridge-bench: cannot write " << opt.json_path << "\n";
            code = 2;
        }
        std::cout.flush();
        std::_Exit(code);  // (xmpp: sessions are left for the OS to close)
    }
    asio::io_context ioc(1);
    int code = 2;
    bool finished = false;
    {
        bench::Bench b(ioc, opt);
        bench::Report report(opt.scenario, command);
        asio::co_spawn(ioc, run(&b, &report, &code, &finished), asio::detached);
        while (!finished && ioc.run_one() > 0) {
        }
        boost::json::object errors;
        for (const auto& [what, n] : b.counters.errors) errors[what] = n;
        report.errors(errors);
        std::cout << "carebridge-bench " << opt.scenario << "\n";
        report.print(std::cout);
        if (!opt.json_path.empty() && !report.write_json(opt.json_path)) {
            std::cerr << "carebridge-bench: cannot write " << opt.json_path << "\n";
            code = 2;
        }
        // Close every connection and let the coroutines end; if something still hangs on,
        // leave without unwinding it (the figures are out already).
        b.shutdown();
        ioc.restart();
        ioc.run_for(std::chrono::seconds(3));
        if (!ioc.stopped()) std::_Exit(code);
    }
    return code;
}

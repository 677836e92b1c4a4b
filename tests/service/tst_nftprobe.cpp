// The nftables coexistence warning: which hooks, which chains (at most five named), and the probe
// itself answering without error (the netns integration test creates real chains).
#include <QTest>

#include "service/nftprobe.h"

using weir::service::NftChain;

class TestNftProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noChainsNoWarning() {
        QCOMPARE(weir::service::nftCoexistenceWarning({}, "iptables-legacy"), std::string());
    }

    void names() {
        const std::vector<NftChain> chains{{"inet", "filter", "output", "output", 0},
                                           {"ip", "nat", "PREROUTING", "prerouting", -100}};
        QCOMPARE(weir::service::nftCoexistenceWarning(chains, "iptables-legacy"),
                 std::string("nftables chains also hook prerouting/output (table inet filter chain output, "
                             "table ip nat chain PREROUTING); Weir's rules are in legacy iptables "
                             "(iptables-legacy)"));
    }

    void atMostFiveNamed() {
        std::vector<NftChain> chains;
        for (int i = 0; i < 8; ++i)
            chains.push_back({"ip6", "t", "c" + std::to_string(i), "output", 0});
        const std::string text = weir::service::nftCoexistenceWarning(chains, "iptables-legacy");
        QVERIFY(text.find("chain c4 and 3 more)") != std::string::npos);
        QVERIFY(text.find("c5") == std::string::npos);
        QVERIFY(text.find("also hook output (") != std::string::npos);
    }

    // As root the dump works (an empty or a real list); without nf_tables it fails with a reason.
    void probeAnswers() {
        std::string error;
        const auto chains = weir::service::listNftChainsAtWeirHooks(&error);
        QVERIFY2(chains || !error.empty(), "no chains and no error");
    }
};

QTEST_GUILESS_MAIN(TestNftProbe)
#include "tst_nftprobe.moc"

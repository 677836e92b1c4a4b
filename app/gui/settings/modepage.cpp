#include "gui/settings/modepage.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QLabel>
#include <QRadioButton>
#include <QVBoxLayout>

namespace weir {

ModePage::ModePage(QWidget* parent)
    : SettingsPage(parent) {
    redirect_ = new QRadioButton(tr("REDIRECT"), this);
    redirect_->setObjectName(QStringLiteral("mode_redirect"));
    tproxy_ = new QRadioButton(tr("TPROXY"), this);
    tproxy_->setObjectName(QStringLiteral("mode_tproxy"));
    auto* group = new QButtonGroup(this);
    group->addButton(redirect_);
    group->addButton(tproxy_);

    udp_ = new QCheckBox(tr("Intercept UDP too"), this);
    udp_->setObjectName(QStringLiteral("udp"));
    udpNote_ = note(QString(), this);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(redirect_);
    layout->addWidget(note(tr("TCP only. The simplest way: the nat table sends connections to Weir. "
                              "Works almost everywhere, also with Docker."),
                           this));
    layout->addSpacing(6);
    layout->addWidget(tproxy_);
    layout->addWidget(note(tr("TCP and UDP. Keeps each packet's original destination and uses policy "
                              "routing (a firewall mark and a routing table) to hand traffic to Weir."),
                           this));
    layout->addWidget(registerField(QStringLiteral("mode"), tproxy_));
    layout->addSpacing(12);
    layout->addWidget(udp_);
    layout->addWidget(udpNote_);
    layout->addWidget(registerField(QStringLiteral("udp"), udp_));
    layout->addStretch(1);

    connect(group, &QButtonGroup::buttonToggled, this, [this](QAbstractButton*, bool on) {
        if (on) {
            updateUdp();
            Q_EMIT edited();
        }
    });
    connect(udp_, &QCheckBox::toggled, this, [this](bool on) {
        if (tproxy_->isChecked())
            udpWanted_ = on;
        Q_EMIT edited();
    });
    redirect_->setChecked(true);
}

void ModePage::load(const QVariantMap& settings) {
    const QSignalBlocker blockUdp(udp_);
    udpWanted_ = settings.value(QStringLiteral("udp")).toBool();
    const bool tproxy = settings.value(QStringLiteral("mode")).toString() == QLatin1String("tproxy");
    (tproxy ? tproxy_ : redirect_)->setChecked(true);
    updateUdp();
}

void ModePage::store(QVariantMap* settings) const {
    const bool tproxy = tproxy_->isChecked();
    settings->insert(QStringLiteral("mode"), tproxy ? QStringLiteral("tproxy") : QStringLiteral("redirect"));
    settings->insert(QStringLiteral("udp"), tproxy && udp_->isChecked());
}

// REDIRECT rewrites the destination of TCP connections in the nat table; the original address of a UDP
// datagram cannot be recovered that way, so the helper refuses udp with redirect.
void ModePage::updateUdp() {
    const bool tproxy = tproxy_->isChecked();
    const QSignalBlocker block(udp_);
    udp_->setEnabled(tproxy);
    udp_->setChecked(tproxy && udpWanted_);
    udpNote_->setText(tproxy ? tr("UDP flows (DNS, QUIC, games) go through Weir as well.")
                             : tr("Only TPROXY can intercept UDP: REDIRECT cannot recover the original "
                                  "destination of a UDP packet."));
}

} // namespace weir

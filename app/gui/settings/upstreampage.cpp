#include "gui/settings/upstreampage.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

namespace weir {

namespace {
const QString kUpstream = QStringLiteral("upstream");
const QString kUdp = QStringLiteral("udp_without_upstream");
constexpr int kSocks5Port = 1080;
constexpr int kHttpPort = 3128;
} // namespace

UpstreamPage::UpstreamPage(QWidget* parent)
    : SettingsPage(parent) {
    kind_ = new QComboBox(this);
    kind_->setObjectName(QStringLiteral("upstream_kind"));
    kind_->addItem(tr("Direct (no proxy)"), int(UpstreamKind::Direct));
    kind_->addItem(tr("SOCKS5 proxy"), int(UpstreamKind::Socks5));
    kind_->addItem(tr("HTTP proxy (CONNECT)"), int(UpstreamKind::Http));
    host_ = new QLineEdit(this);
    host_->setObjectName(QStringLiteral("upstream_host"));
    host_->setPlaceholderText(tr("proxy.example.org, 192.0.2.1 or 2001:db8::1"));
    port_ = new QSpinBox(this);
    port_->setObjectName(QStringLiteral("upstream_port"));
    port_->setRange(1, 65535);
    port_->setValue(kSocks5Port);
    port_->setMaximumWidth(port_->fontMetrics().averageCharWidth() * 16);
    user_ = new QLineEdit(this);
    user_->setObjectName(QStringLiteral("upstream_user"));
    user_->setPlaceholderText(tr("none"));
    password_ = new QLineEdit(this);
    password_->setObjectName(QStringLiteral("upstream_password"));
    password_->setEchoMode(QLineEdit::Password);
    udp_ = new QComboBox(this);
    udp_->setObjectName(kUdp);
    udp_->addItem(tr("Send it directly"), QStringLiteral("direct"));
    udp_->addItem(tr("Block it"), QStringLiteral("block"));

    auto* form = makeForm();
    form->addRow(tr("Connections go:"), kind_);
    form->addRow(tr("Proxy host:"), host_);
    form->addRow(tr("Proxy port:"), port_);
    form->addRow(tr("User name:"), user_);
    form->addRow(tr("Password:"), password_);
    form->addRow(QString(), registerField(kUpstream, host_));
    form->addRow(QString(),
                 note(tr("The password is stored readable only by root and is never shown again."), this));
    addField(form, kUdp, tr("UDP through an HTTP proxy:"), udp_);
    form->addRow(QString(), note(tr("An HTTP proxy carries TCP only; this says what happens to intercepted "
                                    "UDP then."),
                                 this));

    connect(kind_, &QComboBox::currentIndexChanged, this, [this] {
        // A fresh choice gets the usual port of its kind; a port the user set stays.
        if (port_->value() == kSocks5Port || port_->value() == kHttpPort)
            port_->setValue(kind_->currentData().toInt() == int(UpstreamKind::Http) ? kHttpPort
                                                                                    : kSocks5Port);
        followKind();
        Q_EMIT edited();
    });
    for (QLineEdit* edit : {host_, user_, password_})
        connect(edit, &QLineEdit::textChanged, this, &SettingsPage::edited);
    connect(port_, &QSpinBox::valueChanged, this, &SettingsPage::edited);
    connect(udp_, &QComboBox::currentIndexChanged, this, &SettingsPage::edited);
    followKind();
}

void UpstreamPage::followKind() {
    const auto kind = UpstreamKind(kind_->currentData().toInt());
    const bool proxy = kind != UpstreamKind::Direct;
    for (QWidget* w : std::initializer_list<QWidget*>{host_, port_, user_, password_})
        w->setEnabled(proxy);
    udp_->setEnabled(kind == UpstreamKind::Http); // SOCKS5 carries UDP, direct sends it directly
    password_->setPlaceholderText(keepsStoredPassword() ? tr("stored (type to replace)") : tr("none"));
}

void UpstreamPage::load(const QVariantMap& settings) {
    const auto parsed =
        Upstream::parse(settings.value(kUpstream, QStringLiteral("direct")).toString().toStdString());
    loaded_ = parsed.value_or(Upstream{});
    passwordStored_ = !loaded_.password.empty();
    const QSignalBlocker block(kind_);
    kind_->setCurrentIndex(kind_->findData(int(loaded_.kind)));
    host_->setText(QString::fromStdString(loaded_.host));
    if (loaded_.port != 0)
        port_->setValue(loaded_.port);
    user_->setText(QString::fromStdString(loaded_.username));
    password_->clear(); // never the mask itself: typing replaces, leaving it empty keeps
    const int udp = udp_->findData(settings.value(kUdp, QStringLiteral("direct")).toString());
    udp_->setCurrentIndex(udp < 0 ? 0 : udp);
    followKind();
}

bool UpstreamPage::keepsStoredPassword() const {
    return passwordStored_ && password_->text().isEmpty();
}

Upstream UpstreamPage::upstream() const {
    Upstream u;
    u.kind = UpstreamKind(kind_->currentData().toInt());
    if (u.kind == UpstreamKind::Direct)
        return u;
    QString host = host_->text().trimmed();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    u.host = host.toStdString();
    u.port = quint16(port_->value());
    u.username = user_->text().toStdString();
    u.password = password_->text().toStdString();
    return u;
}

void UpstreamPage::store(QVariantMap* settings) const {
    Upstream u = upstream();
    const bool keep = u.kind != UpstreamKind::Direct && keepsStoredPassword() && !u.username.empty();
    if (keep)
        u.password = kMaskedPassword; // toUrl(true) writes it as the helper sent it
    settings->insert(kUpstream, QString::fromStdString(u.toUrl(keep)));
    settings->insert(kUdp, udp_->currentData().toString());
}

settings::FieldErrors UpstreamPage::checkFields() const {
    settings::FieldErrors errors;
    const Upstream u = upstream();
    if (u.kind == UpstreamKind::Direct)
        return errors;
    if (u.host.empty())
        errors.insert(kUpstream, tr("Enter the proxy's host name or address"));
    else if (!u.password.empty() && u.username.empty())
        errors.insert(kUpstream, tr("A password needs a user name"));
    else if (keepsStoredPassword() && !u.username.empty() &&
             (u.kind != loaded_.kind || u.host != loaded_.host || u.port != loaded_.port ||
              u.username != loaded_.username))
        // The helper keeps a stored password only for the same proxy and user.
        errors.insert(kUpstream, tr("Type the password again: the stored one is only kept for the same "
                                    "proxy and user"));
    return errors;
}

} // namespace weir

#include "gui/settings/advancedpage.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>

#include "config/settings.h"

namespace weir {

namespace {
const QString kProxyPort = QStringLiteral("proxy_port");
const QString kOutgoingMark = QStringLiteral("outgoing_mark");
const QString kFwmark = QStringLiteral("fwmark");
const QString kRouteTable = QStringLiteral("route_table");
const QString kReapply = QStringLiteral("reapply_on_drift");
const QString kRestore = QStringLiteral("restore_enabled");
const QString kMaxConnections = QStringLiteral("max_connections");
const QString kWorkers = QStringLiteral("worker_threads");
const QString kConnectTimeout = QStringLiteral("connect_timeout");
const QString kIdleTimeout = QStringLiteral("tcp_idle_timeout");
const QString kHistoryLimit = QStringLiteral("history_limit");

// A number box whose lowest value may read as a word ("No limit") instead of 0.
QSpinBox* numberBox(const QString& key, int low, int high, const QString& lowText, QWidget* parent) {
    auto* box = new QSpinBox(parent);
    box->setObjectName(key);
    box->setRange(low, high);
    box->setSpecialValueText(lowText);
    box->setMaximumWidth(box->fontMetrics().averageCharWidth() * 22);
    return box;
}

QLineEdit* hexEdit(const QString& key, QWidget* parent) {
    auto* edit = new QLineEdit(parent);
    edit->setObjectName(key);
    // Lets the user type freely within hex digits; checkFields() says what is wrong with the rest.
    edit->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("(0[xX])?[0-9a-fA-F]{0,8}")), edit));
    edit->setMaximumWidth(edit->fontMetrics().averageCharWidth() * 16);
    return edit;
}
} // namespace

AdvancedPage::AdvancedPage(QWidget* parent)
    : SettingsPage(parent) {
    proxyPort_ = new QSpinBox(this);
    proxyPort_->setObjectName(kProxyPort);
    proxyPort_->setRange(1, 65535);
    proxyPort_->setMaximumWidth(proxyPort_->fontMetrics().averageCharWidth() * 16);
    outgoingMark_ = hexEdit(kOutgoingMark, this);
    fwmark_ = hexEdit(kFwmark, this);
    routeTable_ = new QLineEdit(this);
    routeTable_->setObjectName(kRouteTable);
    routeTable_->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{0,10}")), routeTable_));
    routeTable_->setMaximumWidth(routeTable_->fontMetrics().averageCharWidth() * 16);
    reapply_ = new QCheckBox(tr("Put the rules back when another tool removes them"), this);
    reapply_->setObjectName(kReapply);
    restore_ = new QCheckBox(tr("Turn interception back on when the helper restarts, if it was on"), this);
    restore_->setObjectName(kRestore);

    maxConnections_ = numberBox(kMaxConnections, 0, int(kMaxMaxConnections), tr("No limit"), this);
    workers_ = numberBox(kWorkers, 0, int(kMaxWorkerThreads), tr("One per core"), this);
    connectTimeout_ = numberBox(kConnectTimeout, 1, int(kMaxConnectTimeoutSeconds), QString(), this);
    connectTimeout_->setSuffix(tr(" s"));
    idleTimeout_ = numberBox(kIdleTimeout, 0, int(kMaxIdleTimeoutSeconds), tr("Never"), this);
    idleTimeout_->setSuffix(tr(" s"));
    historyLimit_ = numberBox(kHistoryLimit, 0, int(kMaxHistoryLimit), tr("None"), this);

    auto* form = makeForm();
    addField(form, kProxyPort, tr("Proxy port:"), proxyPort_);
    addField(form, kOutgoingMark, tr("Outgoing mark (hex):"), outgoingMark_);
    form->addRow(QString(),
                 note(tr("Set on Weir's own connections so they are never intercepted again."), this));
    addField(form, kFwmark, tr("TPROXY firewall mark (hex):"), fwmark_);
    addField(form, kRouteTable, tr("TPROXY routing table:"), routeTable_);
    form->addRow(QString(), note(tr("Change these only if another tool (a VPN, a container runtime) uses "
                                    "the same mark or table."),
                                 this));
    addField(form, kReapply, QString(), reapply_);
    addField(form, kRestore, QString(), restore_);
    form->addRow(QString(), note(tr("After a crash, a restart or a reboot. The tray says when it did, or "
                                    "when it could not."),
                                 this));
    addField(form, kMaxConnections, tr("Connections at most:"), maxConnections_);
    addField(form, kWorkers, tr("Relay threads:"), workers_);
    addField(form, kConnectTimeout, tr("Connect timeout:"), connectTimeout_);
    addField(form, kIdleTimeout, tr("Close idle TCP connections after:"), idleTimeout_);
    form->addRow(QString(), note(tr("Changing the threads, the limit or a timeout while interception is on "
                                    "restarts the proxy core, which closes the open connections."),
                                 this));
    addField(form, kHistoryLimit, tr("Closed connections kept:"), historyLimit_);

    connect(proxyPort_, &QSpinBox::valueChanged, this, &SettingsPage::edited);
    connect(outgoingMark_, &QLineEdit::textChanged, this, &SettingsPage::edited);
    connect(fwmark_, &QLineEdit::textChanged, this, &SettingsPage::edited);
    connect(routeTable_, &QLineEdit::textChanged, this, &SettingsPage::edited);
    connect(reapply_, &QCheckBox::toggled, this, &SettingsPage::edited);
    connect(restore_, &QCheckBox::toggled, this, &SettingsPage::edited);
    for (QSpinBox* box : {maxConnections_, workers_, connectTimeout_, idleTimeout_, historyLimit_})
        connect(box, &QSpinBox::valueChanged, this, &SettingsPage::edited);
}

std::optional<quint32> AdvancedPage::parseHex(const QString& text) {
    QString digits = text.trimmed();
    if (digits.startsWith(QLatin1String("0x"), Qt::CaseInsensitive))
        digits = digits.mid(2);
    bool ok = false;
    const quint32 value = digits.toUInt(&ok, 16);
    if (!ok || digits.isEmpty() || digits.size() > 8)
        return std::nullopt;
    return value;
}

QString AdvancedPage::formatHex(quint32 value) {
    return QStringLiteral("0x") + QString::number(value, 16);
}

void AdvancedPage::load(const QVariantMap& settings) {
    proxyPort_->setValue(int(settings.value(kProxyPort, kDefaultProxyPort).toUInt()));
    outgoingMark_->setText(formatHex(settings.value(kOutgoingMark, kDefaultOutgoingMark).toUInt()));
    fwmark_->setText(formatHex(settings.value(kFwmark, kDefaultFwmark).toUInt()));
    routeTable_->setText(QString::number(settings.value(kRouteTable, kDefaultRouteTable).toUInt()));
    reapply_->setChecked(settings.value(kReapply, true).toBool());
    restore_->setChecked(settings.value(kRestore, true).toBool());
    maxConnections_->setValue(int(settings.value(kMaxConnections, 0).toUInt()));
    workers_->setValue(int(settings.value(kWorkers, 0).toUInt()));
    connectTimeout_->setValue(int(settings.value(kConnectTimeout, kDefaultConnectTimeoutSeconds).toUInt()));
    idleTimeout_->setValue(int(settings.value(kIdleTimeout, 0).toUInt()));
    historyLimit_->setValue(int(settings.value(kHistoryLimit, kDefaultHistoryLimit).toUInt()));
}

void AdvancedPage::store(QVariantMap* settings) const {
    settings->insert(kProxyPort, QVariant::fromValue(quint16(proxyPort_->value())));
    if (const auto mark = parseHex(outgoingMark_->text()))
        settings->insert(kOutgoingMark, QVariant::fromValue(quint32(*mark)));
    if (const auto mark = parseHex(fwmark_->text()))
        settings->insert(kFwmark, QVariant::fromValue(quint32(*mark)));
    bool ok = false;
    const quint32 table = routeTable_->text().toUInt(&ok);
    if (ok)
        settings->insert(kRouteTable, QVariant::fromValue(table));
    settings->insert(kReapply, reapply_->isChecked());
    settings->insert(kRestore, restore_->isChecked());
    // The dialog turns each into its bus type (settings::canonical).
    settings->insert(kMaxConnections, QVariant::fromValue(quint32(maxConnections_->value())));
    settings->insert(kWorkers, QVariant::fromValue(quint32(workers_->value())));
    settings->insert(kConnectTimeout, QVariant::fromValue(quint32(connectTimeout_->value())));
    settings->insert(kIdleTimeout, QVariant::fromValue(quint32(idleTimeout_->value())));
    settings->insert(kHistoryLimit, QVariant::fromValue(quint32(historyLimit_->value())));
}

settings::FieldErrors AdvancedPage::checkFields() const {
    settings::FieldErrors errors;
    const QString notHex = tr("Write a hexadecimal number, like 0x5746");
    if (!parseHex(outgoingMark_->text()))
        errors.insert(kOutgoingMark, notHex);
    if (!parseHex(fwmark_->text()))
        errors.insert(kFwmark, notHex);
    bool ok = false;
    routeTable_->text().toUInt(&ok);
    if (!ok)
        errors.insert(kRouteTable, tr("Write a table number from 1 to 4294967295"));
    return errors;
}

} // namespace weir

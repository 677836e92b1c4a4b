#include "gui/settings/scopepage.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHostAddress>
#include <QLabel>
#include <QListWidget>
#include <QNetworkInterface>
#include <QPlainTextEdit>
#include <QRadioButton>
#include <QVBoxLayout>

#include "config/cidr.h"

namespace weir {

namespace {
constexpr int kSubnetsRole = Qt::UserRole + 1;

QString ipv4Network(const QNetworkAddressEntry& entry) {
    const int prefix = entry.prefixLength();
    const quint32 mask = prefix <= 0 ? 0 : ~quint32(0) << (32 - prefix);
    const QHostAddress network(entry.ip().toIPv4Address() & mask);
    return network.toString() + QLatin1Char('/') + QString::number(prefix);
}
} // namespace

ScopePage::ScopePage(QWidget* parent)
    : SettingsPage(parent) {
    local_ = new QRadioButton(tr("This machine only"), this);
    local_->setObjectName(QStringLiteral("scope_local"));
    gateway_ = new QRadioButton(tr("A LAN behind this machine (gateway)"), this);
    gateway_->setObjectName(QStringLiteral("scope_gateway"));
    both_ = new QRadioButton(tr("Both"), this);
    both_->setObjectName(QStringLiteral("scope_both"));
    auto* group = new QButtonGroup(this);
    for (QRadioButton* b : {local_, gateway_, both_})
        group->addButton(b);

    lan_ = new QGroupBox(tr("LAN"), this);
    interfaces_ = new QListWidget(lan_);
    interfaces_->setObjectName(QStringLiteral("gateway_interfaces"));
    interfaces_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    interfaces_->setFixedHeight(fontMetrics().lineSpacing() * 5 + 2 * interfaces_->frameWidth());
    sources_ = new QPlainTextEdit(lan_);
    sources_->setObjectName(QStringLiteral("gateway_sources"));
    sources_->setPlaceholderText(tr("192.168.1.0/24 (one subnet per line)"));
    setLines(sources_, 4);
    sources_->setTabChangesFocus(true);
    ipForward_ = new QCheckBox(tr("Turn on IP forwarding while interception is on"), lan_);
    ipForward_->setObjectName(QStringLiteral("ip_forward"));
    auto* form = new QFormLayout(lan_);
    addField(form, QStringLiteral("gateway_interfaces"), tr("Interfaces:"), interfaces_);
    addField(form, QStringLiteral("gateway_sources"), tr("Subnets:"), sources_);
    form->addRow(QString(), note(tr("Only traffic from these subnets is intercepted. Picking an interface "
                                    "adds its subnet."),
                                 lan_));
    addField(form, QStringLiteral("ip_forward"), QString(), ipForward_);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(local_);
    layout->addWidget(gateway_);
    layout->addWidget(both_);
    layout->addWidget(registerField(QStringLiteral("scope"), local_));
    layout->addWidget(lan_);
    layout->addStretch(1);

    setInterfaces(systemInterfaces());
    local_->setChecked(true);
    updateEnabled();

    connect(group, &QButtonGroup::buttonToggled, this, [this](QAbstractButton*, bool on) {
        if (!on)
            return;
        updateEnabled();
        Q_EMIT edited();
    });
    connect(interfaces_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (item->checkState() == Qt::Checked)
            suggestSubnets(item->data(kSubnetsRole).toStringList());
        Q_EMIT edited();
    });
    connect(sources_, &QPlainTextEdit::textChanged, this, &SettingsPage::edited);
    connect(ipForward_, &QCheckBox::toggled, this, &SettingsPage::edited);
}

QList<LanInterface> ScopePage::systemInterfaces() {
    QList<LanInterface> out;
    const QList<QNetworkInterface> all = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface& i : all) {
        if (i.flags().testFlag(QNetworkInterface::IsLoopBack))
            continue;
        LanInterface lan{i.name(), {}};
        for (const QNetworkAddressEntry& e : i.addressEntries()) {
            if (e.ip().protocol() == QAbstractSocket::IPv4Protocol)
                lan.subnets << ipv4Network(e);
        }
        out << lan;
    }
    return out;
}

void ScopePage::setInterfaces(const QList<LanInterface>& interfaces) {
    const QStringList checked = checkedInterfaces();
    const QSignalBlocker block(interfaces_);
    interfaces_->clear();
    for (const LanInterface& i : interfaces) {
        const QString text =
            i.subnets.isEmpty()
                ? i.name
                : QStringLiteral("%1  (%2)").arg(i.name, i.subnets.join(QStringLiteral(", ")));
        auto* item = new QListWidgetItem(text, interfaces_);
        item->setData(Qt::UserRole, i.name);
        item->setData(kSubnetsRole, i.subnets);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
    }
    setCheckedInterfaces(checked);
}

QStringList ScopePage::checkedInterfaces() const {
    QStringList names;
    for (int row = 0; row < interfaces_->count(); ++row) {
        const QListWidgetItem* item = interfaces_->item(row);
        if (item->checkState() == Qt::Checked)
            names << item->data(Qt::UserRole).toString();
    }
    return names;
}

// Names not on this machine (an unplugged USB adapter) stay listed so saving does not drop them.
void ScopePage::setCheckedInterfaces(const QStringList& names) {
    const QSignalBlocker block(interfaces_);
    for (int row = 0; row < interfaces_->count(); ++row) {
        QListWidgetItem* item = interfaces_->item(row);
        item->setCheckState(names.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked
                                                                                : Qt::Unchecked);
    }
    QStringList listed;
    for (int row = 0; row < interfaces_->count(); ++row)
        listed << interfaces_->item(row)->data(Qt::UserRole).toString();
    for (const QString& name : names) {
        if (listed.contains(name))
            continue;
        auto* item = new QListWidgetItem(tr("%1  (not present)").arg(name), interfaces_);
        item->setData(Qt::UserRole, name);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
}

void ScopePage::suggestSubnets(const QStringList& subnets) {
    QStringList lines = splitEntries(sources_->toPlainText());
    const int before = int(lines.size());
    for (const QString& s : subnets) {
        if (!lines.contains(s))
            lines << s;
    }
    if (lines.size() != before)
        sources_->setPlainText(lines.join(QLatin1Char('\n')));
}

void ScopePage::updateEnabled() {
    lan_->setEnabled(!local_->isChecked());
}

void ScopePage::load(const QVariantMap& settings) {
    const QString scope = settings.value(QStringLiteral("scope")).toString();
    (scope == QLatin1String("gateway") ? gateway_
     : scope == QLatin1String("both")  ? both_
                                       : local_)
        ->setChecked(true);
    setCheckedInterfaces(settings.value(QStringLiteral("gateway_interfaces")).toStringList());
    sources_->setPlainText(
        settings.value(QStringLiteral("gateway_sources")).toStringList().join(QLatin1Char('\n')));
    ipForward_->setChecked(settings.value(QStringLiteral("ip_forward")).toBool());
    updateEnabled();
}

void ScopePage::store(QVariantMap* settings) const {
    const QString scope = gateway_->isChecked() ? QStringLiteral("gateway")
                          : both_->isChecked()  ? QStringLiteral("both")
                                                : QStringLiteral("local");
    settings->insert(QStringLiteral("scope"), scope);
    settings->insert(QStringLiteral("gateway_interfaces"), checkedInterfaces());
    settings->insert(QStringLiteral("gateway_sources"), splitEntries(sources_->toPlainText()));
    settings->insert(QStringLiteral("ip_forward"), ipForward_->isChecked());
}

settings::FieldErrors ScopePage::checkFields() const {
    settings::FieldErrors errors;
    QStringList bad;
    for (const QString& s : splitEntries(sources_->toPlainText())) {
        if (!Cidr::parse(s.toStdString()))
            bad << s;
    }
    if (!bad.isEmpty())
        errors.insert(QStringLiteral("gateway_sources"),
                      tr("Not a valid subnet: %1 (like 192.168.1.0/24; the prefix length is 0–32 for IPv4, "
                         "0–128 for IPv6)")
                          .arg(bad.join(QStringLiteral(", "))));
    return errors;
}

} // namespace weir

// ProblemBanner: one message above the connections table, an error (helper missing, a refused
// Enable) or a notice (what Disable leaves running), with an optional action button ("Retry",
// "Authenticate") and a dismiss button.
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;
class QToolButton;

namespace weir {

class ProblemBanner : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Error, Notice };

    explicit ProblemBanner(QWidget* parent = nullptr);

    // An empty text hides the banner. actionText: a button label, or empty for none.
    void setMessage(const QString& text, Kind kind = Kind::Error, const QString& actionText = {},
                    bool dismissable = true);
    QString text() const;
    QString actionText() const;
    Kind kind() const { return kind_; }
    QPushButton* actionButton() const { return action_; }

Q_SIGNALS:
    void actionTriggered();
    void dismissed();

private:
    QLabel* icon_;
    QLabel* text_;
    QPushButton* action_;
    QToolButton* close_;
    Kind kind_ = Kind::Error;
};

} // namespace weir

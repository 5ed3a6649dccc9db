package enroll

import (
	"strconv"
	"strings"
)

// text is every string a page shows, in one language. Placeholders in
// braces are filled by fill: {minutes}, {time}, {n}, {digits}, {seconds}.
type text struct {
	Lang       string
	TimeLayout string

	SiteTitle   string
	LanguageNav string
	Back        string

	LoginTitle         string
	LoginIntro         string
	Username           string
	Password           string
	LoginButton        string
	WrongPassword      string
	MissingCredentials string
	SessionExpired     string
	LoggedOut          string

	OffCampusTitle   string
	OffCampus        string
	BadRequestTitle  string
	BadRequest       string
	FormExpiredTitle string
	FormExpired      string
	TooManyLogins    string
	UnavailableTitle string
	Unavailable      string
	NotFoundTitle    string
	NotFound         string

	StatusTitle           string
	LoggedInAs            string
	Logout                string
	StateLabel            string
	Registered            string
	NotRegistered         string
	RegisteredSince       string
	LastUsed              string
	Never                 string
	RecoveryLeft          string
	LockoutLabel          string
	LockedUntil           string
	Failures              string
	PendingInProgress     string
	ContinueRegistration  string
	RegisterHeading       string
	RegisterIntroFirst    string
	RegisterIntroAgain    string
	RegisterFirst         string
	RegisterAgain         string
	RecoveryHeading       string
	RecoveryIntro         string
	RecoveryButton        string
	RecoveryNeedsAppTitle string
	RecoveryNeedsApp      string
	UnregisterHeading     string
	UnregisterIntro       string
	UnregisterCodeLabel   string
	UnregisterButton      string
	UnregisteredTitle     string
	Unregistered          string
	NothingToUnregister   string

	RegisterTitle   string
	OldKeepsWorking string
	ScanQR          string
	QRAlt           string
	ManualEntry     string
	Key             string
	Account         string
	Issuer          string
	KeyTypeLabel    string
	KeyType         string
	EnterCode       string
	CodeLabel       string
	ConfirmButton   string
	ExpiresAt       string
	ReissueIntro    string
	ReissueButton   string
	WrongCode       string
	CodeFormat      string
	ClockSlow       string
	ClockFast       string
	ClockGeneral    string
	ClockCheck      string
	CodeReused      string
	LockedTitle     string
	LockedOut       string
	DoneTitle       string
	DoneFirst       string
	DoneReplaced    string
	DoneRecovery    string
	ExpiredTitle    string
	Expired         string

	RecoveryTitle     string
	RecoveryShownOnce string
	RecoveryPrint     string
}

// catalog returns the texts of lang (en for anything but ja).
func catalog(lang string) *text {
	if lang == langJA {
		return japanese()
	}
	return english()
}

// fill replaces the placeholders of s with values given as name, value
// pairs: fill(t.LockedOut, "minutes", 15).
func fill(s string, pairs ...any) string {
	var args []string
	for i := 0; i+1 < len(pairs); i += 2 {
		name, _ := pairs[i].(string)
		var v string
		switch x := pairs[i+1].(type) {
		case string:
			v = x
		case int:
			v = strconv.Itoa(x)
		}
		args = append(args, "{"+name+"}", v)
	}
	return strings.NewReplacer(args...).Replace(s)
}

func english() *text {
	return &text{
		Lang:       langEN,
		TimeLayout: "Mon 2 Jan 2006, 15:04 MST",

		SiteTitle:   "Register one-time password app",
		LanguageNav: "Language",
		Back:        "Back to the start page",

		LoginTitle:         "Log in",
		LoginIntro:         "Log in with your university account to register the one-time password app you use for the VPN and Wi-Fi.",
		Username:           "User name",
		Password:           "Password",
		LoginButton:        "Log in",
		WrongPassword:      "Wrong user name or password.",
		MissingCredentials: "Enter your user name and password.",
		SessionExpired:     "Your session has expired. Please log in again.",
		LoggedOut:          "You have logged out.",

		OffCampusTitle:   "Only on campus",
		OffCampus:        "Registering a one-time password app is only possible on campus. Please open this page on a PC connected to the campus network.",
		BadRequestTitle:  "Bad request",
		BadRequest:       "The request could not be read. Please open the page again.",
		FormExpiredTitle: "Form expired",
		FormExpired:      "This form has expired. Reload the page and try again.",
		TooManyLogins:    "Too many failed logins. Please try again in {minutes} minutes.",
		UnavailableTitle: "Try again later",
		Unavailable:      "The service is temporarily unavailable. Please try again later.",
		NotFoundTitle:    "Page not found",
		NotFound:         "This page does not exist.",

		StatusTitle:           "Your one-time password app",
		LoggedInAs:            "Logged in as",
		Logout:                "Log out",
		StateLabel:            "Status",
		Registered:            "An app is registered.",
		NotRegistered:         "No app is registered.",
		RegisteredSince:       "Registered on",
		LastUsed:              "Last used",
		Never:                 "never",
		RecoveryLeft:          "Recovery codes left",
		LockoutLabel:          "Lockout",
		LockedUntil:           "Locked until {time} ({minutes} min left) after {n} wrong codes.",
		Failures:              "{n} wrong codes since the last successful login.",
		PendingInProgress:     "A registration is in progress until {time}.",
		ContinueRegistration:  "Continue the registration",
		RegisterHeading:       "Register an app",
		RegisterIntroFirst:    "Install Microsoft Authenticator or Google Authenticator on your phone (or WinAuth or OTP Manager on a PC), then press the button.",
		RegisterIntroAgain:    "New phone or lost app? Only one app can be registered: the last one registered is valid, and the old one stops working once the new one is registered.",
		RegisterFirst:         "Register app",
		RegisterAgain:         "Register a new app (replaces the old one)",
		RecoveryHeading:       "Recovery codes",
		RecoveryIntro:         "If you lose your phone, a recovery code works once in place of a code from the app. New codes replace all earlier ones.",
		RecoveryButton:        "Create new recovery codes",
		RecoveryNeedsAppTitle: "No app registered",
		RecoveryNeedsApp:      "Recovery codes stand in for your app when you lose it: register an app first.",
		UnregisterHeading:     "Unregister the app",
		UnregisterIntro:       "To remove your registration, enter a current code from the app or one of your recovery codes.",
		UnregisterCodeLabel:   "Code from the app or recovery code",
		UnregisterButton:      "Unregister",
		UnregisteredTitle:     "App unregistered",
		Unregistered:          "Your app was unregistered and your recovery codes were deleted. Where a one-time password is required you cannot log in until you register an app again.",
		NothingToUnregister:   "No app is registered, so there is nothing to unregister.",

		RegisterTitle:   "Register your app",
		OldKeepsWorking: "Until you complete this registration, your previously registered app keeps working.",
		ScanQR:          "Open Microsoft Authenticator or Google Authenticator on your phone, add an account and scan this QR code.",
		QRAlt:           "QR code to add this account to your authenticator app. The same key is shown as text below.",
		ManualEntry:     "On a PC (WinAuth, OTP Manager) or if you cannot scan the code, enter this key by hand:",
		Key:             "Key",
		Account:         "Account",
		Issuer:          "Issuer",
		KeyTypeLabel:    "Type",
		KeyType:         "time-based (TOTP), {digits} digits, every {seconds} seconds",
		EnterCode:       "Enter the {digits}-digit number the app shows and press Register.",
		CodeLabel:       "Code from the app",
		ConfirmButton:   "Register",
		ExpiresAt:       "Complete the registration by {time}.",
		ReissueIntro:    "Something went wrong? Start again with a new key:",
		ReissueButton:   "Reissue",
		WrongCode:       "The code is not correct.",
		CodeFormat:      "Enter the {digits}-digit number the app shows.",
		ClockSlow:       "Your phone's clock is about {minutes} minutes slow: set it to automatic date and time, then enter the new code.",
		ClockFast:       "Your phone's clock is about {minutes} minutes fast: set it to automatic date and time, then enter the new code.",
		ClockGeneral:    "Check that you typed the code of the account you just added (the newest one in the app), and that your phone sets its date and time automatically.",
		ClockCheck:      "Check that your phone sets its date and time automatically.",
		CodeReused:      "This code was already used: wait for the next one.",
		LockedTitle:     "Locked",
		LockedOut:       "Too many wrong codes: try again in {minutes} min.",
		DoneTitle:       "Registration completed",
		DoneFirst:       "Registration completed. From now on use the codes of this app.",
		DoneReplaced:    "Registration completed. From now on use the codes of this app; it replaced the app registered before, which no longer works.",
		DoneRecovery:    "Recommended: create recovery codes now, in case you lose your phone.",
		ExpiredTitle:    "Registration expired",
		Expired:         "The registration expired, or it was started again in another window. Press Register again.",

		RecoveryTitle:     "Your recovery codes",
		RecoveryShownOnce: "These codes are shown only now: print this page or write them down and keep them somewhere safe. Each code works once, in place of a code from the app. Your earlier recovery codes no longer work.",
		RecoveryPrint:     "Account: {user}",
	}
}

func japanese() *text {
	return &text{
		Lang:       langJA,
		TimeLayout: "2006年1月2日 15:04 MST",

		SiteTitle:   "ワンタイムパスワードアプリの登録",
		LanguageNav: "言語",
		Back:        "トップページに戻る",

		LoginTitle:         "ログイン",
		LoginIntro:         "VPNや学内無線LANで使うワンタイムパスワードアプリを登録するには、大学のアカウントでログインしてください。",
		Username:           "ユーザー名",
		Password:           "パスワード",
		LoginButton:        "ログイン",
		WrongPassword:      "ユーザー名またはパスワードが正しくありません。",
		MissingCredentials: "ユーザー名とパスワードを入力してください。",
		SessionExpired:     "セッションの有効期限が切れました。もう一度ログインしてください。",
		LoggedOut:          "ログアウトしました。",

		OffCampusTitle:   "学内からのみ利用できます",
		OffCampus:        "ワンタイムパスワードアプリの登録は学内からのみ行えます。学内ネットワークに接続したPCからこのページを開いてください。",
		BadRequestTitle:  "リクエストを処理できません",
		BadRequest:       "リクエストを読み取れませんでした。もう一度ページを開いてください。",
		FormExpiredTitle: "フォームの有効期限切れ",
		FormExpired:      "フォームの有効期限が切れました。ページを再読み込みしてから、もう一度お試しください。",
		TooManyLogins:    "ログインの失敗が続いたため、一時的にログインできません。{minutes}分後にもう一度お試しください。",
		UnavailableTitle: "しばらくしてからお試しください",
		Unavailable:      "サービスを一時的に利用できません。しばらくしてからもう一度お試しください。",
		NotFoundTitle:    "ページが見つかりません",
		NotFound:         "お探しのページは存在しません。",

		StatusTitle:           "ワンタイムパスワードアプリの登録状況",
		LoggedInAs:            "ログイン中のユーザー",
		Logout:                "ログアウト",
		StateLabel:            "状態",
		Registered:            "アプリは登録済みです。",
		NotRegistered:         "アプリは登録されていません。",
		RegisteredSince:       "登録日時",
		LastUsed:              "最終利用日時",
		Never:                 "未使用",
		RecoveryLeft:          "残りのリカバリーコード",
		LockoutLabel:          "ロック",
		LockedUntil:           "確認コードの誤りが{n}回続いたため、{time}まで（残り{minutes}分）ロックされています。",
		Failures:              "前回の認証成功以降、確認コードの誤りが{n}回あります。",
		PendingInProgress:     "登録の手続き中です（{time}まで有効）。",
		ContinueRegistration:  "登録を続ける",
		RegisterHeading:       "アプリの登録",
		RegisterIntroFirst:    "スマートフォンに Microsoft Authenticator または Google Authenticator を（PCの場合は WinAuth または OTP Manager を）インストールしてから、ボタンを押してください。",
		RegisterIntroAgain:    "機種変更やアプリの削除をした場合は、再登録してください。登録できるアプリは1つだけで、最後に登録したアプリが有効になります。新しいアプリの登録が完了すると、以前のアプリは使えなくなります。",
		RegisterFirst:         "アプリを登録する",
		RegisterAgain:         "新しいアプリを登録する（以前のアプリは使えなくなります）",
		RecoveryHeading:       "リカバリーコード",
		RecoveryIntro:         "スマートフォンを紛失したときは、アプリの確認コードの代わりにリカバリーコードを1回ずつ使えます。新しく発行すると、以前のリカバリーコードはすべて使えなくなります。",
		RecoveryButton:        "リカバリーコードを発行する",
		RecoveryNeedsAppTitle: "アプリが登録されていません",
		RecoveryNeedsApp:      "リカバリーコードは、登録したアプリを使えなくなったときのためのものです。先にアプリを登録してください。",
		UnregisterHeading:     "アプリの登録解除",
		UnregisterIntro:       "登録を解除するには、アプリに表示されている確認コード、またはリカバリーコードを入力してください。",
		UnregisterCodeLabel:   "確認コードまたはリカバリーコード",
		UnregisterButton:      "登録を解除する",
		UnregisteredTitle:     "登録を解除しました",
		Unregistered:          "アプリの登録を解除し、リカバリーコードを削除しました。ワンタイムパスワードが必要な接続先には、アプリを再び登録するまでログインできません。",
		NothingToUnregister:   "アプリが登録されていないため、解除するものはありません。",

		RegisterTitle:   "アプリの登録",
		OldKeepsWorking: "この登録が完了するまでは、以前に登録したアプリを引き続き使えます。",
		ScanQR:          "スマートフォンで Microsoft Authenticator または Google Authenticator を開き、アカウントを追加してこのQRコードを読み取ってください。",
		QRAlt:           "認証アプリにこのアカウントを追加するためのQRコード。同じ内容のキーを下に文字で表示しています。",
		ManualEntry:     "PC（WinAuth、OTP Manager など）で登録する場合や、QRコードを読み取れない場合は、次のキーを入力してください。",
		Key:             "キー",
		Account:         "アカウント",
		Issuer:          "発行者",
		KeyTypeLabel:    "種類",
		KeyType:         "時間ベース（TOTP）、{digits}桁、{seconds}秒ごと",
		EnterCode:       "アプリに表示された{digits}桁の数字を入力して、「登録」を押してください。",
		CodeLabel:       "アプリに表示された確認コード",
		ConfirmButton:   "登録",
		ExpiresAt:       "{time}までに登録を完了してください。",
		ReissueIntro:    "うまくいかない場合は、新しいキーで最初からやり直せます。",
		ReissueButton:   "再発行",
		WrongCode:       "確認コードが正しくありません。",
		CodeFormat:      "アプリに表示されている{digits}桁の数字を入力してください。",
		ClockSlow:       "スマートフォンの時計が約{minutes}分遅れています。日付と時刻を自動で設定するようにしてから、新しいコードを入力してください。",
		ClockFast:       "スマートフォンの時計が約{minutes}分進んでいます。日付と時刻を自動で設定するようにしてから、新しいコードを入力してください。",
		ClockGeneral:    "今回追加したアカウント（アプリの一番新しいもの）のコードを入力したか、またスマートフォンの日付と時刻が自動で設定されているかを確認してください。",
		ClockCheck:      "スマートフォンの日付と時刻が自動で設定されているか確認してください。",
		CodeReused:      "この確認コードは使用済みです。次のコードが表示されてから入力してください。",
		LockedTitle:     "ロックされています",
		LockedOut:       "確認コードの誤りが続いたためロックされています。{minutes}分後にもう一度お試しください。",
		DoneTitle:       "登録完了",
		DoneFirst:       "登録が完了しました。今後はこのアプリに表示される確認コードを使用してください。",
		DoneReplaced:    "登録が完了しました。今後はこのアプリに表示される確認コードを使用してください。以前に登録したアプリは使えなくなりました。",
		DoneRecovery:    "スマートフォンを紛失したときに備えて、リカバリーコードを発行しておくことをおすすめします。",
		ExpiredTitle:    "登録の有効期限切れ",
		Expired:         "登録の有効期限が切れたか、別の画面で登録がやり直されました。もう一度「アプリを登録する」を押してください。",

		RecoveryTitle:     "リカバリーコード",
		RecoveryShownOnce: "このコードが表示されるのは今回だけです。このページを印刷するか書き写して、安全な場所に保管してください。各コードは、アプリの確認コードの代わりに1回だけ使えます。以前のリカバリーコードは使えなくなりました。",
		RecoveryPrint:     "アカウント: {user}",
	}
}

# پیام‌های فارسی matrixctl. هر شناسه باید با همان جای‌نگهدارها (placeholder) در
# en/matrixctl.ftl هم باشد. بخش‌های فنی (مسیر، فرمان، گزینه، نشانی، شناسه‌ی کاربر، کلید
# پیکربندی) همیشه جای‌نگهدارند تا Fluent آن‌ها را میان FSI و PDI بگذارد و ترتیبشان در متن
# راست‌به‌چپ به هم نریزد. اصطلاح انگلیسی در پرانتز همان است که مدیر سرور در لاگ‌ها و مستندات می‌بیند.

## خطاها: قالب کلی (src/error.rs)

error-line = خطا: { $message }
error-cause = علت: { $cause }
error-hint = راهنمایی: { $hint }

## فعل‌های وضعیت

verb-detected = شناسایی شد
verb-reading = خواندن
verb-unchanged = بدون تغییر
verb-done = انجام شد

## نصب (src/commands/install.rs)

install-intro = { $cmd } — تا وقتی تأیید نکنید هیچ چیزی تغییر نمی‌کند.
install-detected = { $os }، با داده‌های { $file }
install-reading-earlier = { $path } (پاسخ‌های نصب قبلی مقدار پیش‌فرض‌اند)
install-plan-dry-run = برنامه‌ی نصب (اجرای آزمایشی یا dry run؛ هیچ چیزی تغییر نمی‌کند):
install-plan = برنامه‌ی نصب:
install-cancelled = لغو شد؛ هیچ چیزی تغییر نکرد.
install-answers-saved = پاسخ‌ها در { $path } ذخیره شد. برای تکرار همین نصب:
install-unchanged = نصب موجود همین حالا با این پاسخ‌ها مطابقت دارد؛ هیچ چیزی تغییر نکرد
install-changes = { $n } تغییر
install-next = قدم بعدی: { $register }     وضعیت: { $status }     بازگردانی: { $undo }
install-adopt-doctor = بررسی پیکربندی پذیرفته‌شده ({ $cmd } { CODE("--offline") }):
install-adopt-doctor-failed = سرور پذیرفته‌شده مشکل‌هایی دارد (بالا)؛ آن‌ها را رفع کنید، سپس { $cmd } را دوباره اجرا کنید
install-into-root = در { $path } نصب شد (هیچ سرویسی راه‌اندازی نشد: { $root } مرحله‌ی فعال‌سازی را رد می‌کند).
install-done-nothing = هیچ
install-already-done = انجام‌شده تا این‌جا: { $done }
err-missing-answer = پاسخ { $key } داده نشده است (ترمینالی برای پرسیدن نیست، یا { $yes } داده شده)
hint-missing-answer = { $flag } را بدهید، یا { $key } را در فایل { $opt } بنویسید
err-cannot-ask = پرسش‌های نصب را نمی‌توان پرسید
hint-cannot-ask = با گزینه‌ها یا { $answers } پاسخ دهید، به‌همراه { $yes }
err-root = { $root }
err-earlier-answers = پاسخ‌های نصب قبلی خوانده نمی‌شوند
hint-fix-or-remove = { $path } را درست یا حذف کنید
err-read-answers = فایل پاسخ‌ها { $path } نامعتبر است
hint-answers-keys = کلیدها همان نام گزینه‌ها با { $sep } هستند ({ $example })
err-server-name-changed = این ماشین هم‌اکنون میزبان { $name } است؛ نام سرور (server name) هرگز قابل تغییر نیست
hint-server-name-changed = { $keep } را نگه دارید، یا برای شروع از صفر اول `{ $purge }` را اجرا کنید
err-no-confirmation = بدون تأیید، سیستم تغییر داده نمی‌شود (ترمینالی برای پرسیدن نیست)
hint-no-confirmation = برنامه را با { $dry_run } بازبینی کنید، سپس { $yes } را بدهید
err-cannot-confirm = نمی‌توان تأیید گرفت
err-cannot-save = { $path } ذخیره نمی‌شود
err-install-needs-root = نصب به دسترسی root نیاز دارد (بسته‌ها، یک کاربر سیستمی، { $etc })
hint-install-needs-root = آن را با { $sudo } اجرا کنید، یا با { $root } در یک شاخه (directory) نصب کنید
err-install-stopped = نصب متوقف شد: { $step } انجام نشد
hint-install-resume = علت را برطرف کنید و با `{ $cmd }` ادامه دهید (مراحل انجام‌شده شناسایی و رد می‌شوند)

## دستیار نصب (src/wizard/prompt.rs)

wizard-apply = این برنامه اجرا شود؟
wizard-proceed = اجرا
wizard-change = تغییر پاسخ‌ها
wizard-cancel = لغو

## پرسش‌های نصب (src/answers/mod.rs)

q-server-name-prompt = نام سرور (server name؛ بخش پس از { CODE(":") } در { CODE("@alice:example.org") })
q-server-name-explain = نام سرور بخش پس از { CODE(":") } در شناسه‌ی همه‌ی کاربران می‌شود ({ CODE("@alice:example.org") }) و هرگز قابل تغییر نیست.
q-database-prompt = پایگاه داده (database)
q-database-explain = SQLite به چیز دیگری نیاز ندارد؛ PostgreSQL اگر نصب نباشد همین‌جا نصب می‌شود و برای بار بیشتر مناسب‌تر است.
q-proxy-prompt = پراکسی معکوس (reverse proxy)
q-proxy-explain = nginx اتصال TLS را روی درگاه { CODE("443") } (و { CODE("8448") } برای فدراسیون) پایان می‌دهد و درخواست‌های { CODE("/_matrix") } را به matrixd می‌فرستد.
q-tls-prompt = گواهی TLS (certificate)
q-tls-explain = { CODE("acme") }: Let's Encrypt (یا مرجع دیگری با ACME) آن را صادر می‌کند و خودش تمدید می‌شود، که لازمه‌اش نام این میزبان در DNS و باز بودن درگاه { CODE("80") } است ({ CODE("443") } بدون nginx، که خود matrixd آن را می‌گیرد)؛ { CODE("self-signed") }: همین‌جا ساخته می‌شود؛ { CODE("existing") }: گواهی زنجیره‌ی کامل (full chain) و کلید خودتان؛ { CODE("direct") }: خود matrixd با TLS روی { CODE("8448") } گوش می‌دهد؛ { CODE("none") }: HTTP ساده (فقط برای آزمایش).
q-tls-cert-prompt = فایل گواهی (زنجیره‌ی کامل، PEM)
q-tls-key-prompt = فایل کلید خصوصی (private key، PEM)
q-public-baseurl-prompt = نشانی عمومی سرور برای کلاینت‌ها ({ CODE("public_baseurl") })
q-public-baseurl-explain = نشانی‌ای که کلاینت‌ها با آن به این سرور می‌رسند.
q-federation-prompt = با سرورهای ماتریکس دیگر فدراسیون (federation) برقرار شود؟
q-well-known-prompt = { CODE("/.well-known/matrix/client") } و { CODE("/server") } از همین میزبان ارائه شوند؟
q-registration-prompt = ثبت‌نام (registration)
q-registration-explain = { CODE("closed") }: فقط مدیران کاربر می‌سازند ({ CODE("matrixctl register-user") })؛ { CODE("token") }: ثبت‌نام به توکن ثبت‌نام (registration token) نیاز دارد؛ { CODE("open") }: هر کسی می‌تواند ثبت‌نام کند.
q-report-stats-prompt = آمار استفاده‌ی بی‌نام (anonymous usage statistics) فرستاده شود؟
q-smtp-host-prompt = سرور SMTP برای ایمیل‌های اعلان (خالی: هیچ)
q-smtp-port-prompt = درگاه (port) SMTP
q-smtp-user-prompt = نام کاربری SMTP (خالی: هیچ)
q-smtp-pass-file-prompt = فایلی که گذرواژه‌ی SMTP در آن است (خالی: هیچ)
q-notif-from-prompt = فرستنده‌ی ایمیل‌های اعلان
q-smtp-require-tls-prompt = اتصال به سرور SMTP حتماً با TLS (STARTTLS) باشد؟
q-install-coturn-prompt = coturn برای تماس صوتی و تصویری همین‌جا نصب شود؟
q-turn-uris-prompt = نشانی‌های TURN، جداشده با کاما (خالی: هیچ)
q-turn-secret-file-prompt = فایلی که رمز مشترک TURN (shared secret) در آن است
q-url-preview-prompt = پیش‌نمایش پیوندها (URL preview) ساخته شود؟ (سرور پیوندهایی را که در اتاق‌ها فرستاده می‌شوند باز می‌کند)
q-backups-prompt = پوشه‌ی پشتیبان‌های روزانه (خالی: هیچ)
q-backups-keep-prompt = چند پشتیبان روزانه نگه داشته شود
q-adopt-prompt = homeserver.yaml موجود همان‌گونه که هست پذیرفته شود؟

## doctor: عنوان گروه‌ها و آن‌چه هر بررسی می‌سنجد

group-system = سیستم
group-config = پیکربندی
group-service = سرویس
group-db = پایگاه داده
group-tls = TLS
group-federation = فدراسیون (federation)
group-client = کشف سرور از سوی کلاینت (client discovery)
group-email = ایمیل
group-turn = TURN
group-nginx = nginx

check-system-os = سیستم‌عامل یکی از سیستم‌عامل‌های پشتیبانی‌شده‌ی matrixctl است
check-system-memory = دست‌کم 1 گیگابایت حافظه (پیوستن به اتاق‌های بزرگ به آن نیاز دارد)
check-system-disk = فضای آزاد دیسک جایی که داده‌ها هستند
check-system-clock = ساعت سیستم همگام است (امضاها و گواهی‌ها به آن وابسته‌اند)
check-config-parse = { CODE("homeserver.yaml") } با بارگذار خود سرور خوانده و اعتبارسنجی می‌شود
check-config-unknown-keys = کلید ناشناخته‌ای نیست؛ کلیدهای Synapse که matrixd نادیده می‌گیرد نام برده می‌شوند
check-config-server-name = { CODE("server_name") } یک نام سرور معتبر است
check-config-public-baseurl = { CODE("public_baseurl") } تنظیم شده و https است
check-config-signing-key = کلید امضا (signing key) هست، خوانا است، خصوصی است و مالکش کاربر سرویس است
check-config-registration-secret = { CODE("registration_shared_secret") } تنظیم شده است ({ CODE("register-user") } به آن نیاز دارد)
check-config-registration = ثبت‌نام بدون توکن باز نیست
check-config-database = روی سروری که فدراسیون دارد یا پرکار است از SQLite استفاده نمی‌شود
check-config-url-preview = پیش‌نمایش پیوندها هرگز نشانی‌های loopback یا خصوصی را باز نمی‌کند
check-config-email = اگر ایمیل پیکربندی شده، { CODE("public_baseurl") } که پیوندهای ایمیل به آن نیاز دارند هم تنظیم شده است
check-config-turn = TURN یا کامل پیکربندی شده یا اصلاً پیکربندی نشده
check-service-enabled = matrixd در مدیر سرویس‌ها (service manager) فعال است
check-service-running = matrixd در حال اجرا است
check-service-listeners = هر شنونده‌ی (listener) پیکربندی‌شده اتصال می‌پذیرد
check-service-client-versions = { CODE("/_matrix/client/versions") } روی خود ماشین پاسخ می‌دهد
check-db-reachable = پایگاه داده پاسخ می‌دهد
check-db-migrations = طرح‌واره‌ی (schema) پایگاه داده به‌روز است
check-db-encoding = PostgreSQL از کدگذاری { CODE("UTF8") } و ترتیب‌بندی (collation) { CODE("C") } استفاده می‌کند
check-db-backups = با { CODE("install --backups") }: پشتیبان روزانه زمان‌بندی شده و تازه‌ترینش کمتر از ۴۸ ساعت پیش ساخته شده است
check-tls-certificate = فایل گواهی خوانا است و گواهی در آن هست
check-tls-key-match = گواهی با کلید خصوصی‌اش مطابقت دارد
check-tls-expiry = گواهی معتبر است و به‌زودی منقضی نمی‌شود
check-tls-renewal = گواهی ACME خودش تمدید می‌شود (با زمان‌سنج یا اسکریپت روزانه‌اش)
check-tls-names = گواهی نام‌های عمومی میزبان را پوشش می‌دهد
check-tls-chain = فایل گواهی زنجیره‌ی کامل (full chain) است
check-federation-well-known = { CODE("/.well-known/matrix/server") } یک JSON معتبر با { CODE("m.server") } است
check-federation-srv = رکوردهای SRV ({ CODE("_matrix-fed._tcp") }، سپس { CODE("_matrix._tcp") })
check-federation-version = نقطه‌ی پایانی فدراسیون همان‌طور که سرورهای دیگر به آن می‌رسند پاسخ می‌دهد (و وقتی غیرفعال است پاسخ نمی‌دهد)
check-federation-keys = { CODE("/_matrix/key/v2/server") }: همان { CODE("server_name") } ما، { CODE("valid_until_ts") } در آینده، امضای خودی معتبر، کلید ما
check-federation-queue = رویدادهای ما به سرورهای اتاق‌هایمان می‌رسند (مقصدهای در حال عقب‌نشینی (backoff)، رویدادهای در انتظار)
check-federation-certificate = زنجیره‌ی گواهی فدراسیون برای این میزبان تأیید می‌شود
check-client-well-known = { CODE("/.well-known/matrix/client") } یک JSON معتبر با { CODE("base_url") } است
check-client-cors = well-known کلاینت سرآیند { CODE("Access-Control-Allow-Origin") } را دارد، در تغییرمسیرها هم
check-client-base-url = { CODE("base_url") } آن همان { CODE("public_baseurl") } است و به { CODE("/_matrix/client/versions") } پاسخ می‌دهد
check-email-smtp = نام میزبان SMTP پیدا می‌شود و به EHLO پاسخ می‌دهد (ایمیلی فرستاده نمی‌شود)
check-turn-credentials = { CODE("/voip/turnServer") } اعتبارنامه‌ای ساخته‌شده با { CODE("turn_shared_secret") } برمی‌گرداند
check-nginx-config-test = { CODE("nginx -t") } موفق است
check-nginx-proxy = سایت { CODE("/_matrix") } و { CODE("/_synapse/client") } را به matrixd می‌فرستد
check-nginx-body-size = { CODE("client_max_body_size") } دست‌کم به اندازه‌ی { CODE("max_upload_size") } است

## راهنمای خط فرمان (src/cli.rs)

help-default = {" "}[پیش‌فرض: { $value }]
about = نصب، اجرا و نگه‌داری یک سرور خانگی (homeserver) ماتریکس
help-quiet = فقط خطاها چاپ شوند
help-lang = زبان پیام‌ها ({ CODE("en") }، { CODE("fa") }) [پیش‌فرض: از { CODE("LC_ALL") }، { CODE("LC_MESSAGES") } یا { CODE("LANG") }]
about-generate-config = نوشتن { CODE("homeserver.yaml") }، کلید امضای آن و پیکربندی لاگ (معادل { CODE("--generate-config") } در Synapse)
help-generate-config-server-name = دامنه‌ی شناسه‌ی کاربران شما ({ CODE("@alice:NAME") }). بعداً هرگز قابل تغییر نیست
help-generate-config-config-path = جایی که { CODE("homeserver.yaml") } نوشته می‌شود. کلید امضا و پیکربندی لاگ کنار آن قرار می‌گیرند
help-generate-config-report-stats = آیا آمار استفاده‌ی بی‌نام فرستاده شود ({ CODE("yes") } یا { CODE("no") }). مانند Synapse اجباری است
help-generate-config-data-directory = جای پایگاه داده، رسانه‌ها و لاگ‌ها [پیش‌فرض: شاخه‌ی جاری]
help-generate-config-keys-directory = جای کلید امضا و پیکربندی لاگ [پیش‌فرض: کنار فایل پیکربندی]
help-generate-config-public-baseurl = نشانی‌ای که کلاینت‌ها با آن به سرور می‌رسند ({ CODE("/.well-known/matrix/client") } را فعال می‌کند)
help-generate-config-http-port = درگاه (port) شنونده‌ی http
help-generate-config-open-private-ports = گوش دادن روی همه‌ی رابط‌های شبکه به‌جای فقط loopback (معادل { CODE("--open-private-ports") } در Synapse)
about-register-user = ثبت یک کاربر با رمز مشترک (shared secret)؛ جایگزین { CODE("register_new_matrix_user") } در Synapse
help-register-user-user = بخش محلی (localpart) نام کاربر تازه. اگر داده نشود پرسیده می‌شود
help-register-user-password = گذرواژه‌ی کاربر تازه. اگر نه این گزینه و نه { CODE("--password-file") } داده شود، پرسیده می‌شود. دادن گذرواژه در خط فرمان توصیه نمی‌شود: از { CODE("--password-file") } استفاده کنید
help-register-user-password-file = فایلی که گذرواژه‌ی کاربر تازه در آن است (خط اولش). { CODE("-") } از ورودی استاندارد می‌خواند
help-register-user-user-type = نوع کاربر مطابق { CODE("synapse.api.constants.UserTypes") } ({ CODE("support") }، { CODE("bot") })
help-register-user-admin = کاربر تازه مدیر (admin) باشد. اگر { CODE("--no-admin") } هم داده نشود پرسیده می‌شود
help-register-user-no-admin = کاربر تازه کاربر عادی باشد. اگر { CODE("--admin") } هم داده نشود پرسیده می‌شود
help-register-user-shared-secret = رمز مشترک (shared secret) همان‌طور که در فایل پیکربندی سرور آمده (دادن آن در خط فرمان توصیه نمی‌شود)
help-register-user-config = مسیر فایل پیکربندی سرور که رمز مشترک (و شنونده‌ی مورد استفاده) در آن است
help-register-user-exists-ok = اگر کاربر از قبل وجود دارد خطا ندهد
help-register-user-server-url = نشانی‌ای که برای گفت‌وگو با سرور خانگی به کار می‌رود. پیش‌فرض: نخستین شنونده‌ی کلاینت در فایل پیکربندی، وگرنه { CODE("http://localhost:8008") }
about-install = این ماشین را با یک فرمان راهنمادار به یک سرور خانگی در حال اجرا پشت TLS تبدیل می‌کند
help-install-dry-run = برنامه‌ی نصب را چاپ کن و چیزی را تغییر نده
help-install-yes = تأیید نپرس (و هرگز چیزی نپرس: پاسخ داده‌نشده خطا است)
help-install-answers = خواندن پاسخ‌ها از این فایل TOML (کلیدها مانند فایل پاسخ‌های ذخیره‌شده؛ کلید ناشناخته خطا است)
help-install-root = نصب در این شاخه به‌جای { CODE("/") } (برای آزمون‌ها و سازندگان ایمیج)؛ هیچ سرویسی راه‌اندازی نمی‌شود
help-install-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود ({ CODE("debian, fedora, opensuse, arch, alpine, freebsd, openbsd") })
help-install-server-name = بخش پس از { CODE(":") } در شناسه‌ی هر کاربر ({ CODE("@alice:NAME") }). بعداً هرگز قابل تغییر نیست
help-install-database = پایگاه داده (PostgreSQL اگر نباشد همین‌جا نصب و راه‌اندازی می‌شود)
help-install-proxy = پراکسی معکوس (reverse proxy) جلوی matrixd
help-install-tls = گواهی TLS از کجا می‌آید
help-install-tls-cert = گواهی زنجیره‌ی کامل (PEM) برای { CODE("--tls existing") }
help-install-tls-key = کلید خصوصی آن (PEM) برای { CODE("--tls existing") }
help-install-public-baseurl = نشانی‌ای که کلاینت‌ها با آن به سرور می‌رسند
help-install-federation = ارتباط با سرورهای ماتریکس دیگر (فدراسیون)
help-install-well-known = ارائه‌ی { CODE("/.well-known/matrix/client") } و { CODE("/server") } با CORS از همین میزبان
help-install-registration = چه کسی می‌تواند حساب بسازد
help-install-report-stats = فرستادن آمار استفاده‌ی بی‌نام (مانند Synapse اجباری است)
help-install-smtp-host = سرور SMTP برای ایمیل‌های اعلان
help-install-smtp-port = درگاه SMTP
help-install-smtp-user = نام کاربری SMTP
help-install-smtp-pass-file = فایلی که خط اولش گذرواژه‌ی SMTP است
help-install-notif-from = فرستنده‌ی ایمیل‌های اعلان، مثلاً { CODE("\"Matrix <noreply@example.org>\"") }
help-install-smtp-require-tls = اتصال به سرور SMTP حتماً با STARTTLS باشد
help-install-install-coturn = نصب coturn همین‌جا با { CODE("use-auth-secret") } و یک رمز مشترک تازه
help-install-turn-uris = یک نشانی TURN برای تماس صوتی و تصویری (تکرارپذیر)
help-install-turn-secret-file = فایلی که رمز مشترک سرور TURN در آن است ({ CODE("use-auth-secret") })
help-install-backups = پشتیبان‌گیری روزانه از سرور در این پوشه (با دسترسی ۰۷۰۰ و مالکیت root ساخته می‌شود)، با { CODE("matrixctl backup") }
help-install-backups-keep = چند پشتیبان روزانه در پوشه‌ی { CODE("--backups DIR") } نگه داشته شود (قدیمی‌ترها پاک می‌شوند)
help-install-workers = سرور با چند پردازه‌ی matrixd اجرا شود، از ۱ تا ۱۶ (پیش‌فرض ۱؛ بیشتر از آن به PostgreSQL و nginx نیاز دارد که کلاینت‌ها را میان پردازه‌ها پخش می‌کند)
help-install-adopt = پذیرفتن homeserver.yaml موجود (نوشته‌ی { CODE("import-synapse") }): نام سرور، پایگاه داده، نشانی عمومی، ثبت‌نام و شنونده‌هایش همان پاسخ‌ها هستند، و خودش، کلید امضایش و رمزهایش هرگز بازنویسی نمی‌شوند
help-install-url-preview = ساختن پیش‌نمایش پیوندها (نشانی‌های خصوصی هرگز باز نمی‌شوند)
about-start = راه‌اندازی سرور خانگی نصب‌شده از راه مدیر سرویس‌ها (service manager)
help-start-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
about-stop = توقف سرور خانگی نصب‌شده
help-stop-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
about-restart = راه‌اندازی دوباره‌ی سرور خانگی نصب‌شده
help-restart-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
about-status = آیا سرور خانگی در حال اجرا است، و پیکربندی، داده‌ها و لاگ‌هایش کجا هستند
help-status-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
about-uninstall = حذف سرویس و بسته‌هایی که نصب افزوده؛ داده‌ها، کلیدها و پیکربندی می‌مانند مگر با { CODE("--purge") }
help-uninstall-purge = پیکربندی، کلیدها، رمزها، داده‌ها (پایگاه داده، رسانه‌ها) و لاگ‌ها هم پاک شوند. اول می‌پرسد
help-uninstall-yes = تأیید نپرس
help-uninstall-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
about-doctor = پیدا کردن اشکال‌های یک نصب و گفتن راه رفع آن‌ها (فقط‌خواندنی)
help-doctor-checks = بررسی‌هایی که اجرا می‌شوند، با شناسه ({ CODE("config.parse") }) یا گروه ({ CODE("system, config, service, db, tls, federation, client, email, turn, nginx") }) [پیش‌فرض: همه]
help-doctor-config = فایل { CODE("homeserver.yaml") } برای بررسی (تکرارپذیر، فایل یا شاخه) [پیش‌فرض: همان نصب‌شده]
help-doctor-json = چاپ گزارش به‌صورت JSON (با طرح‌واره‌ی نسخه‌دار) روی خروجی استاندارد
help-doctor-verbose = نمایش جزئیات همه‌ی بررسی‌ها
help-doctor-offline = رد کردن بررسی‌هایی که به شبکه نیاز دارند (فدراسیون، کشف سرور، ایمیل، TURN)
help-doctor-list-checks = فهرست شناسه، گروه و هدف همه‌ی بررسی‌ها، و خروج
help-doctor-strict = هشدارها شکست به حساب آیند (کد خروج 1)
help-doctor-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
help-doctor-access-token-file = فایلی که یک توکن دسترسی (access token) در آن است، برای { CODE("turn.credentials") } (رمزها هرگز از خط فرمان گرفته نمی‌شوند)
help-doctor-dns = پرسیدن از این سرور DNS ({ CODE("ADDR:PORT") }) به‌جای سرور DNS سیستم
help-doctor-connect-to = هر جا { CODE("HOST:PORT") } منظور است به { CODE("ADDR:PORT2") } وصل شو (TLS و سرآیند Host همچنان { CODE("HOST") } می‌گویند)، مانند curl
help-doctor-ca-file = فقط به گواهی‌های CA در این فایل PEM اعتماد شود
help-doctor-nginx-site = سایت nginx که به‌جای سایت پیش‌فرض توزیع بررسی می‌شود
help-doctor-nginx-conf = پیکربندی اصلی nginx برای { CODE("nginx -t") }
help-doctor-json-texts = همراه { CODE("--json") }، متن‌های هر بررسی را به صورت شناسه‌ی پیام و آرگومان‌ها هم بده (برای doctor به عنوان کاربر سرویس)
help-doctor-timeout = چند ثانیه هر بررسی می‌تواند طول بکشد

## چاپگر (src/ui/mod.rs)

warning-line = هشدار: { $message }

## doctor: یافته‌ها (src/doctor/checks/*.rs)

db-connected-as-suffix = {" "}(با کاربر سیستم‌عامل { $user } وصل شد)
db-as-os-user-prefix = با کاربر سیستم‌عامل { $user }:{" "}

## doctor: گزارش (src/doctor/report.rs)

doctor-fix = راه رفع: { $fix }
doctor-tally = { $problems }، { $warnings }، { $skipped }، { $ok }.
doctor-tally-problems = { $n } مشکل
doctor-tally-warnings = { $n } هشدار
doctor-tally-skipped = { $n } ردشده
doctor-tally-ok = { $n } سالم
doctor-tally-more = {"  "}جزئیات: { $verbose }   برای ماشین‌ها: { $json }

## فعل‌های وضعیت دیگر (src/ui/mod.rs)

verb-adding = افزودن
verb-creating = ساختن
verb-dropping = حذف
verb-generating = تولید
verb-installing = نصب
verb-keeping = نگه‌داشتن
verb-linking = پیوند
verb-ready = آماده
verb-refreshing = تازه‌سازی
verb-reloaded = بارگذاری شد
verb-reloading = بارگذاری
verb-removing = حذف
verb-restarted = دوباره راه‌اندازی شد
verb-restarting = راه‌اندازی دوباره
verb-running = اجرا
verb-started = راه‌اندازی شد
verb-starting = راه‌اندازی
verb-stopped = متوقف شد
verb-updating = به‌روزرسانی
verb-backing-up = پشتیبان‌گیری
verb-writing = نوشتن

## برنامه‌ی نصب (src/plan/show.rs، src/plan/steps)

plan-verb-create = ساختن
plan-verb-update = به‌روزرسانی
plan-verb-keep = نگه‌داشتن
plan-verb-unchanged = بدون تغییر
plan-verb-install = نصب
plan-verb-user = کاربر
plan-verb-run = اجرا
plan-verb-service = سرویس
plan-verb-remove = حذف
plan-verb-wait = انتظار
plan-packages = بسته‌های { $purpose }: { $names }
plan-packages-detail = فقط آن‌هایی که هنوز نصب نشده‌اند
plan-user-detail = کاربر سیستمی با شاخه‌ی خانه‌ی { $home }، اگر وجود نداشته باشد
plan-unless-exists = مگر این‌که { $path } وجود داشته باشد
plan-unless-it-exists = مگر این‌که وجود داشته باشد:{" "}
plan-directory = شاخه (directory)، { $mode }
plan-signing-key-keep = وجود دارد؛ کلید امضا هرگز بازنویسی نمی‌شود
plan-signing-key-new = کلید امضای تازه‌ی { $kind }، { $mode } (هرگز بازنویسی نمی‌شود)
plan-secret-keep = وجود دارد؛ رمز (secret) هرگز بازنویسی نمی‌شود
plan-secret-new = رمز تصادفی تازه، { $mode } (هرگز بازنویسی نمی‌شود)
plan-from-template = از روی { $template }، { $mode }
plan-copy-of = رونوشتی از { $src }، { $mode }
plan-data = { $what }، { $mode }
plan-data-answers = همین پاسخ‌ها، برای اجرای دوباره
plan-data-adopted = همان‌گونه که هست پذیرفته شد ({ CODE("--adopt") }: هرگز بازنویسی نمی‌شود)
plan-cert-keep = وجود دارند و بیش از { $days } روز دیگر معتبرند؛ وقتی کمتر بماند، اجرای دوباره آن‌ها را از نو می‌سازد
plan-cert-renew = گواهی خودامضا برای { $names } از نو ساخته می‌شود: کمتر از { $days } روز اعتبار مانده است (جفت قبلی به‌عنوان پشتیبان نگه داشته می‌شود)
plan-cert-new = گواهی خودامضا (self-signed) برای { $names } ({ $tool })
plan-cert-key = کلید خصوصی آن، { $mode }
plan-symlink = پیوند نمادین (symlink) به { $target }
plan-include = `{ $line }` درون بلوک { $block } (فایل قبلی به‌عنوان پشتیبان نگه داشته می‌شود)
plan-service-start = راه‌اندازی، اگر در حال اجرا نباشد
plan-service-reload = فعال‌سازی و راه‌اندازی؛ اگر فایل‌هایش تغییر کرد بارگذاری دوباره (reload)
plan-service-restart = فعال‌سازی و راه‌اندازی؛ فقط اگر فایل‌هایش تغییر کرد راه‌اندازی دوباره (restart)
plan-direct-spawn = (جایی که مدیر سرویسی در کار نیست: { $cmd } آن را با کاربر { $user } اجرا می‌کند، خروجی در { $log })
plan-direct = (جایی که مدیر سرویسی در کار نیست: { $cmd })
plan-append = { $what } به انتهای فایل افزوده می‌شود
plan-remove-tree = با هر آن‌چه درون آن است
plan-wait = پاسخ می‌دهد (اتصال به { $connect })
plan-note = توجه: { $note }
plan-pg-init = راه‌اندازی اولیه‌ی خوشه‌ی (cluster) PostgreSQL
plan-pg-role = ساختن نقش (role) PostgreSQL با نام { $role }
plan-pg-db = ساختن پایگاه داده‌ی { $db } ({ $encoding }، ترتیب‌بندی (collation) { $collation }، از روی { $template }) با مالکیت { $role }
plan-note-no-binary = انتظار می‌رود { $matrixd } در { $bin } باشد (فایل اجرایی { $matrixd } کنار { $matrixctl } نیست)
plan-note-open-registration = ثبت‌نام بدون تأیید باز است: هر کسی می‌تواند روی این سرور حساب بسازد

## اجرا: مرحله‌ای که در خطا نام برده می‌شود (src/exec/apply.rs)

step-packages = نصب بسته‌های { $names }
step-user = ساختن کاربر { $name }
step-dir = ساختن شاخه‌ی { $path }
step-file = نوشتن { $path }
step-self-signed = ساختن گواهی خودامضای { $path }
step-symlink = پیوند { $path }
step-include = افزودن include به { $path }
step-service = راه‌اندازی { $name }
step-wait = انتظار برای { $url }
step-append = افزودن { $what } به { $path }
step-remove = حذف { $path }

## ثبت کاربر (src/commands/register_user.rs)

err-reg-no-terminal = { $what } داده نشده و ترمینالی برای پرسیدن نیست
hint-pass = { $flag } را بدهید
err-read-terminal = از ترمینال خوانده نشد
err-reg-password-stdin = گذرواژه از ورودی استاندارد خوانده نمی‌شود
err-reg-password-file = { $flag } خوانده نمی‌شود
err-reg-config-or-secret = یکی از { $config } یا { $secret } باید داده شود
err-reg-read-secret = رمز مشترک (shared secret) از { $paths } خوانده نمی‌شود
err-reg-no-secret = در { $paths } هیچ { $key } تعریف نشده است
hint-reg-secret-file-missing = { $key } به { $path } اشاره می‌کند که هنوز وجود ندارد: سرور را یک بار راه‌اندازی کنید تا آن را بسازد
hint-reg-add-secret = { $line } را به { $file } بیفزایید ({ $cmd } یکی می‌نویسد)، سرور را دوباره راه‌اندازی کنید، یا { $flag } را بدهید
reg-prompt-user = بخش محلی (localpart) نام کاربر تازه
reg-what-user = نام کاربر
err-reg-invalid-user = نام کاربر نامعتبر است
hint-reg-localpart = یک بخش محلی بدهید، مثلاً { $example }
reg-prompt-password = گذرواژه
reg-prompt-confirm = تکرار گذرواژه
reg-password-mismatch = گذرواژه‌ها یکی نیستند
reg-what-password = گذرواژه
reg-password-flags = { $file } (یا { $p })
err-reg-blank-password = گذرواژه نمی‌تواند خالی باشد.
reg-prompt-admin = مدیر (admin) باشد؟ (بله یا خیر)
reg-no = خیر
reg-yes = بله
reg-what-admin = این‌که کاربر مدیر باشد یا نه
reg-admin-flags = { $admin } یا { $no_admin }
reg-sending = در حال فرستادن درخواست ثبت‌نام...
reg-success = انجام شد! { $user } ثبت شد
reg-exists-ok = کاربر { $user } از قبل وجود دارد، رد شد ({ $flag }).
hint-reg-user-in-use = نام دیگری انتخاب کنید، یا برای پذیرفتن کاربر موجود { $flag } را بدهید
hint-reg-invalid-username = نام کاربر فقط می‌تواند { $letters } و { $symbols } را داشته باشد
hint-reg-secret-mismatch = رمز مشترک با { $key } سرور مطابقت ندارد (آیا سرور از همین پیکربندی استفاده می‌کند؟)
hint-reg-not-enabled = { $key } را در { $file } سرور تنظیم کنید و سرور را دوباره راه‌اندازی کنید
hint-reg-see-log = برای جزئیات، لاگ سرور را ببینید
err-reg-received = خطا! پاسخ { $status } دریافت شد: { $message }
reg-errcode = کد خطا (errcode): { $errcode }
err-runtime = محیط اجرای ناهمگام (async runtime) راه‌اندازی نمی‌شود
err-http-client = کلاینت HTTP ساخته نمی‌شود
err-reg-unreachable = به { $url } دسترسی نیست
hint-reg-unreachable = آیا سرور در حال اجرا است؟ آن را با `{ $cmd }` راه‌اندازی کنید، یا نشانی‌اش را به‌عنوان آخرین آرگومان بدهید
err-reg-no-nonce = خطا! { $url } با { $status } و بدون nonce پاسخ داد
hint-reg-no-nonce = آیا این یک سرور خانگی ماتریکس با ثبت‌نام از راه رمز مشترک است (matrixd یا Synapse)؟

## راه‌اندازی، توقف، وضعیت (src/commands/service.rs)

err-service-needs-root = کنترل سرویس به دسترسی root نیاز دارد
hint-sudo = آن را با { $sudo } اجرا کنید
err-not-installed = این‌جا سرور خانگی نصب نشده است ({ $path } وجود ندارد)
hint-install-one = با `{ $cmd }` یکی نصب کنید
status-via = از راه { $manager }
status-pid = شناسه‌ی فرایند (pid) { $pid }، راه‌اندازی‌شده با { $cmd } (مدیر سرویسی در کار نیست)
status-no-manager = مدیر سرویسی در کار نیست
status-running = در حال اجرا
status-stopped = متوقف
status-url = نشانی
status-config = پیکربندی
status-data = داده‌ها
status-data-postgres = { $path } (پایگاه داده: { $db })
status-logs = لاگ‌ها
status-logs-journal = { $path } (و { $cmd })
status-logs-two = { $path } و { $out }
err-cannot-stop = { $name } متوقف نمی‌شود
status-was-not-running = { $name } در حال اجرا نبود
err-cannot-start = { $name } راه‌اندازی نمی‌شود
hint-see = { $path } را ببینید
status-already-running = { $name } (از قبل در حال اجرا)

## حذف نصب (src/commands/uninstall.rs)

err-cannot-step = انجام نشد: { $step }
err-no-install-found = این‌جا نصبی از { $cmd } پیدا نشد ({ $path } وجود ندارد)
hint-uninstall-recorded = حذف نصب فقط چیزهایی را پاک می‌کند که `{ $cmd }` ثبت کرده است
err-uninstall-needs-root = حذف نصب به دسترسی root نیاز دارد
uninstall-purge-question = { $config }، { $data } و { $logs } (کلیدها، رمزها، پایگاه داده، رسانه‌ها) برای همیشه پاک شوند؟
err-purge-unconfirmed = { $flag } کلیدها و داده‌ها را پاک می‌کند و باید تأیید شود
hint-purge-yes = برای تأیید بدون ترمینال { $flag } را بدهید
uninstall-cancelled = لغو شد؛ چیزی حذف نشد.
uninstall-nginx-not-reloaded = nginx دوباره بارگذاری نشد: { $error }
uninstall-removing-packages = بسته‌های { $names } (`{ $cmd }`)
err-remove-packages = بسته‌هایی که نصب افزوده بود حذف نمی‌شوند
uninstall-dropping = پایگاه داده‌ی PostgreSQL با نام { $db } و نقش { $role }
uninstall-system-user = کاربر سیستمی { $name }
uninstall-purged = پاک‌سازی کامل شد: سرور، کلیدها و داده‌هایش دیگر نیستند.
uninstall-kept-postgres = ، پایگاه داده‌ی PostgreSQL با نام { $db }
uninstall-kept = نگه داشته شد: پیکربندی و کلیدها در { $config }، داده‌ها در { $data }، لاگ‌ها در { $logs }{ $postgres }. `{ $install }` سرور را برمی‌گرداند؛ `{ $purge }` آن‌ها را پاک می‌کند.

## شناسایی سیستم‌عامل و خط فرمان doctor

err-unknown-distro = { $flag } یک خانواده‌ی سیستم‌عامل شناخته‌شده نیست
hint-use-one-of = یکی از این‌ها را به کار ببرید: { $names }
err-unsupported-os = سیستم‌عامل پشتیبانی نمی‌شود: { $os }
err-unsupported-os-detected = شناسایی‌شده: { $seen }؛ هیچ‌کدام از { $files } با آن مطابقت ندارد
hint-unsupported-os = اگر به یکی از خانواده‌های پشتیبانی‌شده نزدیک است، { $flag } را بدهید (یکی از: { $names })
hint-did-you-mean-check = منظورتان `{ $check }` بود؟ `{ $cmd }` همه‌ی بررسی‌ها را فهرست می‌کند
hint-list-checks = `{ $cmd }` همه‌ی بررسی‌ها را فهرست می‌کند
err-unknown-check = بررسی ناشناخته: { $name }

## ساخت پیکربندی (src/commands/generate_config.rs)

err-cannot-resolve = مسیر { $path } مشخص نمی‌شود
err-cannot-read = { $path } خوانده نمی‌شود
hint-gc-permission = با کاربری اجرا کنید که اجازه‌ی نوشتن در آن‌جا را دارد (برای { $etc } از { $sudo } استفاده کنید)
hint-gc-writable = بررسی کنید که مسیر وجود دارد و قابل نوشتن است
err-gc-server-name = { $name } نام سرور معتبری نیست
hint-gc-server-name = دامنه‌ای را به کار ببرید که شناسه‌ی کاربرانتان به آن ختم می‌شود، مثلاً { $example } (نام میزبان، نشانی IPv4 یا { $forms }، در صورت نیاز با { $port })
err-gc-baseurl = { $flag } یک نشانی http(s) نیست
hint-gc-baseurl = برای نمونه { $example }
hint-gc-write = بررسی کنید که مسیر وجود دارد و این کاربر اجازه‌ی نوشتن در آن را دارد (برای { $etc } از { $sudo } استفاده کنید)
gc-next = قدم بعدی: سرور را با `{ $cmd }` راه‌اندازی کنید، سپس با این فرمان یک کاربر بسازید:
err-gc-unreadable = { $path } وجود دارد اما خوانده نمی‌شود
hint-gc-unreadable = آن را دستی درست کنید (`{ $cmd }` جای اشکال را نشان می‌دهد)، یا کنارش بگذارید تا یکی تازه ساخته شود

## اعتبارسنجی پاسخ‌ها (src/answers/values.rs)

val-not-one-of = { $value } یکی از این‌ها نیست: { $names }
val-server-name = { $value } نام سرور معتبری نیست: یک نام DNS ({ $example })، یک نشانی IPv4 یا { $ipv6 } به کار ببرید، در صورت نیاز با { $port }
val-baseurl-path = { $value } مسیر دارد؛ نشانی کلاینت باید ریشه‌ی سایت باشد، مثلاً { $example }
val-baseurl = { $value } یک نشانی http(s) نیست، مثلاً { $example }
val-email-from = { $value } نشانی ایمیل ندارد، مثلاً { $example }
val-turn-uri = { $value } یک نشانی TURN نیست، مثلاً { $example }
val-abs-path = { $value } مسیر مطلق (absolute path) نیست
val-port = { $value } شماره‌ی درگاه (port) نیست ({ $range })
val-count = { $value } عدد صحیحی برابر ۱ یا بیشتر نیست

## doctor: سیستم (src/doctor/checks/system.rs)

sys-os-override = { $os }، با داده‌های { $family } ({ $flag })
sys-os-family = { $os } (خانواده‌ی { $family })
sys-os-unsupported = { $os } سیستم‌عامل پشتیبانی‌شده‌ای نیست
sys-os-unsupported-fix = اگر به یکی از این‌ها نزدیک است { $flag } را بدهید: { $names }
sys-memory = { $gib } گیبی‌بایت (GiB) حافظه
sys-memory-low = فقط { $gib } گیبی‌بایت (GiB) حافظه
sys-memory-low-fix = دست‌کم 1 گیگابایت حافظه به ماشین بدهید: پیوستن به اتاق‌های بزرگ به آن نیاز دارد
sys-memory-unknown = مقدار حافظه‌ی این ماشین معلوم نمی‌شود
sys-disk-free = { $size } فضای آزاد روی { $path }
sys-disk-full-fix = همین حالا آن‌جا فضای دیسک آزاد کنید: پایگاه داده و مخزن رسانه (media store) نمی‌توانند بزرگ‌تر شوند
sys-disk-low-fix = آن‌جا فضای دیسک آزاد کنید، یا شاخه‌ی داده‌ها را به دیسک بزرگ‌تری ببرید
sys-disk-no-dir = رد شد (شاخه‌ی داده‌ها معلوم نیست: پیکربندی بارگذاری نشد)
sys-disk-error = فضای آزاد روی { $path } اندازه‌گیری نمی‌شود: { $error }
sys-disk-error-fix = بررسی کنید که مسیر وجود دارد و خواندنی است
sys-clock-unsynced = ساعت سیستم همگام نیست
sys-clock-unsynced-fix = همگام‌سازی زمان را فعال کنید ({ $cmd }، یا { $alt }): سرورهای دیگر امضاهایی را که با ساعت نادرست ساخته شده‌اند رد می‌کنند
sys-clock-ok = همگام (خطای تخمینی { $ms } میلی‌ثانیه)
sys-clock-error = وضعیت ساعت از هسته (kernel) پرسیده نمی‌شود: { $error }
sys-clock-other-os = روی این سیستم‌عامل معلوم نمی‌شود؛ بررسی کنید ntpd یا chronyd در حال اجرا باشد

## doctor: پیکربندی (src/doctor/checks/config.rs)؛ اول عبارت‌های مشترک

skip-no-parse = رد شد (پیکربندی تجزیه نمی‌شود: { $check } را ببینید)
doc-does-not-exist = { $path } وجود ندارد
doc-cannot-inspect = { $path } بررسی نمی‌شود: { $error }
doc-run-as-root = doctor را با کاربر { $user } اجرا کنید
doc-not-readable = { $path } برای این کاربر خواندنی نیست
doc-run-as-root-sudo = doctor را با کاربر { $user } اجرا کنید ({ $cmd })
doc-cannot-read = { $path } خوانده نمی‌شود: { $error }
doc-check-file = فایل را بررسی کنید
cfg-no-config = هیچ { $file } پیدا نشد (این سیستم‌عامل برای { $cmd } شناخته‌شده نیست، پس مسیر پیکربندی‌اش معلوم نیست)
cfg-no-config-fix = پیکربندی را بدهید: { $cmd }
cfg-parse-warnings = { $paths } ({ $n } هشدار، { $check } را ببینید)
cfg-did-not-load = پیکربندی بارگذاری نشد
cfg-more-errors = {" "}(و { $n_more } خطای دیگر)
cfg-parse-fix = خطاهایی را که این فرمان فهرست می‌کند برطرف کنید: { $cmd }
cfg-remove-key = کلید را حذف کنید
cfg-unknown-keys = کلیدهای ناشناخته: { $keys }
cfg-ignored-keys = { $n } تنظیم Synapse که matrixd نادیده می‌گیرد: { $keys }
cfg-ignored-keys-fix = این‌ها هنوز روی matrixd اثری ندارند؛ حذفشان کنید یا برای نسخه‌ای بعدی نگه دارید
cfg-keys-ok = همه‌ی کلیدها را matrixd می‌خواند
cfg-unset = { $key } تنظیم نشده است
cfg-server-name-fix = { $key } را برابر دامنه‌ی شناسه‌ی کاربرانتان بگذارید، مثلاً { $example }
cfg-server-name-forms = یک نام DNS ({ $example })، یک نشانی IPv4 یا { $ipv6 } به کار ببرید، در صورت نیاز با { $port }
cfg-not-string = { $key } رشته (string) نیست
cfg-quote-it = آن را در گیومه بگذارید: { $example }
cfg-baseurl-unset = { $key } تنظیم نشده است: { $path } ارائه نمی‌شود و نشانی را باید جداگانه به کلاینت‌ها گفت
cfg-baseurl-unset-fix = { $example } را تنظیم کنید (نشانی‌ای که کلاینت‌ها به آن می‌رسند)
cfg-set = { $example } را تنظیم کنید
cfg-add = { $line } را بیفزایید
cfg-not-url = { $value } نشانی (URL) نیست
cfg-loopback-only = { $url } (فقط loopback)
cfg-not-https = { $url } با https نیست: کلاینت‌های وب روی صفحه‌های https نمی‌توانند از آن استفاده کنند و گذرواژه‌ها رمزنشده منتقل می‌شوند
cfg-not-https-fix = TLS را جلوی آن بگذارید ({ $cmd } nginx و یک گواهی را راه می‌اندازد) و برای { $key } نشانی‌ای با { $scheme } به کار ببرید
cfg-skip-no-key-path = رد شد ({ $key } نیست: پیکربندی بارگذاری نشد)
cfg-key-missing-fix = آن را از پشتیبان برگردانید؛ فقط اگر هرگز استفاده نشده، با { $cmd } یکی تازه بسازید
cfg-key-bad-fix = کلید را از پشتیبان برگردانید: با کلید تازه، سرورهای دیگر به رویدادهای قدیمی شما اعتماد نمی‌کنند
cfg-key-readable-all = { $path } برای همه‌ی کاربران خواندنی است (مجوز { $mode })
cfg-key-readable-group = { $path } برای گروهش خواندنی است (مجوز { $mode })
cfg-key-owner = مالک { $path } شناسه‌ی کاربری { $uid } است، نه کاربر سرویس { $user }
cfg-key-ok-owner = { $key } در { $path } (مجوز { $mode }، مالک { $user })
cfg-key-ok = { $key } در { $path } (مجوز { $mode })
cfg-reg-secret-unset = { $key } تنظیم نشده است: { $cmd } نمی‌تواند کاربر بسازد
cfg-reg-secret-unset-fix = { $line } را بیفزایید (matrixd فایل را می‌سازد)
cfg-file-empty = { $path } خالی است
cfg-not-yet = { $path } هنوز وجود ندارد
cfg-start-once = matrixd را یک بار راه‌اندازی کنید: فایل را می‌سازد
cfg-set-from = تنظیم شده (از { $path })
cfg-set-inline = تنظیم شده
cfg-reg-closed = بسته (حساب‌ها با { $cmd } ساخته می‌شوند)
cfg-reg-token = باز با توکن ثبت‌نام (registration token)
cfg-reg-open = ثبت‌نام بدون توکن باز است: هر کسی می‌تواند حساب بسازد (و از آن هرزنامه بفرستد)
cfg-reg-open-fix = { $line } را در { $file } تنظیم کنید، سپس matrixd را دوباره راه‌اندازی کنید
cfg-db-postgres = PostgreSQL
cfg-db-sqlite-fix = مهاجرت به PostgreSQL را برنامه‌ریزی کنید ({ $key }): SQLite همه‌ی نوشتن‌ها را پشت سر هم انجام می‌دهد؛ `{ $cmd }` PostgreSQL را راه می‌اندازد
cfg-db-sqlite-federation = SQLite روی سروری با فدراسیون فعال: اتاق‌های بزرگ فدراسیونی کند خواهند بود
cfg-db-sqlite-users = SQLite با { $n } کاربر
cfg-db-sqlite-ok = SQLite ({ $path })، بدون فدراسیون
cfg-preview-off = پیش‌نمایش پیوندها خاموش است
cfg-preview-ok = روشن؛ { $n } بازه‌ی نشانی مسدود است، از جمله loopback و نشانی‌های خصوصی
cfg-preview-open = پیش‌نمایش پیوندها روشن است اما فهرست سیاه (blacklist) به سرور اجازه می‌دهد این‌ها را باز کند: { $ranges }
cfg-preview-open-fix = { $ranges } را به { $key } بیفزایید ({ $cmd } فهرست کامل را می‌نویسد)
cfg-email-off = ایمیل پیکربندی نشده است
cfg-email-ok = پیوندهای ایمیل‌ها به { $url } اشاره می‌کنند
cfg-email-no-baseurl = ایمیل پیکربندی شده اما { $key } نه: پیوندهای بازنشانی گذرواژه و تأیید به آن نیاز دارند
cfg-turn-off = TURN پیکربندی نشده است
cfg-turn-no-uris = اعتبارنامه‌های TURN تنظیم شده‌اند اما { $key } خالی است: به کلاینت‌ها هرگز گفته نمی‌شود سرور TURN کجاست
cfg-turn-secret-file-fix = { $key } مربوط به coturn را در آن فایل بگذارید
cfg-turn-ok-secret = { $n } نشانی (URI)، رمز مشترک تنظیم شده
cfg-turn-ok-static = { $n } نشانی (URI)، اعتبارنامه‌ی ثابت
cfg-turn-half-static = فقط یکی از { $user } و { $password } تنظیم شده است
cfg-turn-half-static-fix = هر دو را تنظیم کنید، یا بهتر، از { $key } استفاده کنید ({ $option } در coturn)
cfg-turn-no-secret = { $uris } تنظیم شده اما { $key } (یا { $alt }) نیست: تماس‌ها نمی‌توانند از رله (relay) بگذرند
cfg-turn-no-secret-fix = { $key } را به فایلی بدهید که { $option } مربوط به coturn در آن است

## doctor: TLS (src/doctor/checks/tls.rs)

skip-not-loaded = رد شد (پیکربندی بارگذاری نشد: { $check } را ببینید)
tls-point-at-cert = تنظیم را به فایل گواهی (PEM) اشاره دهید
tls-not-pem = { $path } با قالب PEM نیست: { $error }
tls-use-pem = فایل گواهی با قالب PEM را به کار ببرید ({ $marker })
tls-no-cert = در { $path } هیچ گواهی‌ای نیست
tls-none = هیچ گواهی‌ای پیکربندی نشده است (نه { $key }، نه { $directive })
tls-unparsable = { $path }: یک گواهی تجزیه نمی‌شود: { $error }
tls-unparsable-fix = فایل را با یک گواهی PEM معتبر جایگزین کنید
tls-cert-ok = { $path } ({ $user }): { $subject }، صادرشده از سوی { $issuer }
tls-no-key = برای { $path } کلید خصوصی پیکربندی نشده است
tls-no-key-fix = فایل کلید را کنار گواهی تنظیم کنید ({ $keys })
tls-point-at-key = تنظیم را به کلید خصوصی (PEM) اشاره دهید
tls-key-not-pem = در { $path } کلید خصوصی PEM نیست: { $error }
tls-use-pem-key = فایل کلید خصوصی با قالب PEM را به کار ببرید
tls-key-type = { $path }: نوع کلید پشتیبانی نمی‌شود
tls-key-type-fix = یک کلید RSA، ECDSA یا Ed25519 به کار ببرید
tls-key-match = { $key } با { $path } مطابقت دارد
tls-key-mismatch = { $key } به گواهی درون { $path } تعلق ندارد
tls-key-mismatch-fix = کلیدی را به کار ببرید که گواهی برای آن صادر شده است (certbot: { $file } از همان شاخه‌ی { $dir })
tls-not-yet-valid = { $path } پیش از { $date } معتبر نیست
tls-not-yet-valid-fix = ساعت سیستم را بررسی کنید، یا گواهی‌ای به کار ببرید که همین حالا معتبر است
tls-expired = اعتبار { $path } در { $date } تمام شده است
tls-expired-fix = آن را تمدید کنید ({ $cmd })، سپس nginx را دوباره بارگذاری یا matrixd را دوباره راه‌اندازی کنید
tls-expires-soon = اعتبار { $path } تا { $n } روز دیگر، در { $date }، تمام می‌شود
tls-matrixd-acme-fix = matrixd خودش آن را تمدید می‌کند (بخش { CODE("acme") } پیکربندی‌اش): گزارشش می‌گوید چرا نکرده است (سطرهایی که با { CODE("acme:") } شروع می‌شوند)؛ { $cmd } همین حالا دوباره تلاش می‌کند
tls-expires-soon-fix = همین حالا تمدیدش کنید ({ $cmd }) و بررسی کنید که زمان‌سنج (timer) تمدید کار می‌کند
tls-valid-for = { $path } تا { $n } روز دیگر معتبر است
tls-names-not-public = { $path } برای { $names } است، نه برای { $host } ({ $key })
tls-names-not-public-fix = گواهی‌ای بگیرید که نام { $host } را داشته باشد ({ $cmd })
tls-names-not-server = { $path } نام { $host } ({ $key }) را ندارد: well-known آن باید با گواهی دیگری ارائه شود
tls-names-not-server-fix = { $host } را به گواهی بیفزایید ({ $cmd }) مگر این‌که سرور دیگری { $url } را ارائه کند
tls-names-ok = { $path } این نام‌ها را دارد: { $names }
tls-self-signed = { $path } خودامضا (self-signed) است: سرورها و کلاینت‌های دیگر به آن اعتماد نمی‌کنند
tls-self-signed-fix = از یک CA عمومی گواهی بگیرید: { $cmd }
tls-no-chain = در { $path } فقط گواهی { $subject } هست، نه زنجیره‌ی آن ({ $cert } به‌جای { $fullchain })
tls-no-chain-fix = زنجیره‌ی کامل را به کار ببرید: گواهی(های) میانی صادرشده از سوی { $issuer } را به انتهای فایل بیفزایید (certbot: { $fullchain })
tls-chain-order = { $path }: { $subject } را { $issuer } صادر کرده، اما گواهی بعدی { $next } است
tls-chain-order-fix = گواهی‌ها را به ترتیب بگذارید: اول گواهی سرور، سپس هر صادرکننده
tls-chain-ok = { $path }: زنجیره‌ی کامل با { $n } گواهی

## doctor: اجرای بررسی‌ها (src/doctor/runner.rs، src/doctor/mod.rs)

run-crashed = بررسی از کار افتاد: { $error }
run-crashed-fix = این یک باگ در { $cmd } است؛ لطفاً آن را همراه با خروجی `{ $verbose }` گزارش کنید
run-no-thread = بررسی از کار افتاد: رشته‌ی اجرایی (thread) ساخته نمی‌شود: { $error }
run-no-thread-fix = کمی حافظه آزاد کنید و doctor را دوباره اجرا کنید
run-timeout = بررسی از کار افتاد: در { $n } ثانیه پاسخی نیامد
run-timeout-fix = چیزی که منتظرش است گیر کرده (دیواره‌ی آتشی که بسته‌ها را دور می‌ریزد، سرویسی که قفل شده)؛ آن را جداگانه و با گزینه‌ی { CODE("-v") } اجرا کنید: { $cmd }
skip-offline = رد شد ({ $flag })

## doctor: فدراسیون (src/doctor/checks/federation.rs)

fed-srv-cname = { $record } یک CNAME است (به { $alias })، که رکورد SRV نباید باشد
fed-srv-target-cname = { $record } به { $target } اشاره می‌کند که یک CNAME است (به { $alias }): مقصد SRV باید میزبانی با رکورد A یا AAAA باشد
fed-srv-lookup = جست‌وجوی { $record }: { $error }
fed-direct = { $key } نشانی IP یا درگاه دارد، پس سرورهای دیگر مستقیم به آن وصل می‌شوند
fed-wk-bad-json = { $url }: { $error }
fed-wk-no-server = { $url } رشته‌ی { $key } ندارد
fed-wk-bad-server = { $url }: { $value } یک { $form } معتبر نیست
fed-wk-direct = well-known به یک نشانی IP یا درگاه اشاره می‌کند
fed-skip-disabled = رد شد (فدراسیون غیرفعال است)
fed-not-used-prefix = به کار نمی‌رود (
fed-wk-not-served = ارائه نمی‌شود ({ $why }): واگذاری (delegation) نیست، سرورهای دیگر رکوردهای SRV و سپس { $fallback } را می‌جویند
fed-wk-invalid-fix = آن‌جا { $json } را به‌صورت JSON ارائه کنید، یا فایل را حذف کنید
fed-unreachable = به { $url } دسترسی نیست: { $error }
fed-wk-unreachable-fix = برای واگذاری فدراسیون آن را با https روی { $addr } ارائه کنید (یا به SRV یا درگاه { $port } تکیه کنید)
fed-srv-none = رکورد SRV برای { $host } نیست: سرورهای دیگر از درگاه { $port } استفاده می‌کنند
fed-srv-legacy = فقط رکورد منسوخ { $record }
fed-srv-legacy-fix = همین رکورد را با نام { $record } هم بیفزایید (سرورهای تازه‌تر اول آن را می‌جویند)
fed-srv-error-fix = رکوردهای DNS را درست کنید (مقصد SRV باید میزبانی با رکورد A یا AAAA باشد، نه CNAME)
fed-version-ok = { $url } پاسخ می‌دهد ({ $server })
fed-version-no-version = { $url } با { $status } و بدون نسخه‌ی سرور پاسخ داد
fed-version-no-version-fix = مطمئن شوید آن درگاه به شنونده‌ی فدراسیون matrixd ({ $key }) می‌رسد، نه به وب‌سرور دیگری
fed-open-port-listener = { $port } را در دیواره‌ی آتش (firewall) باز کنید و بررسی کنید شنونده‌ی فدراسیون در حال اجرا باشد
fed-disabled-answers = فدراسیون غیرفعال است اما { $url } پاسخ می‌دهد ({ $server })
fed-disabled-answers-fix = `{ $resource }` را از resources همه‌ی شنونده‌ها حذف کنید (و فرستادنش را متوقف کنید)، یا فدراسیون را آگاهانه فعال کنید
fed-disabled-ok = فدراسیون غیرفعال است و { $endpoint } به آن پاسخ نمی‌دهد
fed-answered = { $url } با { $status } پاسخ داد
fed-keys-path-fix = بررسی کنید آن مسیر به matrixd می‌رسد
fed-open-port = { $port } را در دیواره‌ی آتش (firewall) باز کنید
fed-keys-restart-fix = matrixd را دوباره راه‌اندازی کنید؛ اگر ادامه داشت، سرور پاسخ‌دهنده این matrixd نیست
fed-keys-not-json = سند کلید JSON نیست: { $error }
fed-keys-other-server = سند کلید برای { $name } است، نه برای { $ours }
fed-keys-other-server-fix = این { $addr } به سرور دیگری می‌رسد: واگذاری well-known یا SRV یا پراکسی را درست کنید
fed-keys-expired = { $key } در گذشته است: سرورهای دیگر این کلیدها را نمی‌پذیرند
fed-keys-expired-fix = ساعت سیستم را بررسی کنید ({ $check }) و matrixd را دوباره راه‌اندازی کنید
fed-keys-none = سند کلید هیچ کلید ed25519 ندارد
fed-keys-not-canonical = سند کلید JSON متعارف (canonical) نیست: { $error }
fed-keys-not-base64 = { $id } با base64 نیست
fed-keys-length = { $id } به‌جای 32 بایت، { $n } بایت است
fed-keys-bad-signature = امضای خودی با { $id } تأیید نمی‌شود: { $error }
fed-keys-other-key = { $id } با کلید عمومی دیگری جز کلید امضای محلی منتشر شده است
fed-keys-other-key-fix = matrixd پاسخ‌دهنده از فایل کلید دیگری استفاده می‌کند: { $key } را بررسی کنید و matrixd را دوباره راه‌اندازی کنید
fed-keys-unpublished = کلید محلی { $id } منتشر نشده است (منتشرشده‌ها: { $published })
fed-keys-unpublished-fix = matrixd را دوباره راه‌اندازی کنید تا کلید درون { $key } را منتشر کند
fed-keys-ok = { $n } کلید ed25519 برای { $server }، خودامضا، معتبر برای{" "}
fed-keys-days = { $n } روز دیگر
fed-keys-hours = { $n } ساعت دیگر
fed-keys-ok-local = ، کلید محلی هم در میان آن‌ها
fed-cert-ok = گواهی { $endpoint } برای { $host } تأیید می‌شود
fed-cert-bad = گواهی { $endpoint } برای { $host } تأیید نمی‌شود: { $error }
fed-cert-bad-fix = برای { $host } گواهی‌ای از یک CA عمومی با زنجیره‌ی کامل ارائه کنید ({ $file } در certbot)
fed-queue-none = صف فدراسیونی برای خواندن نیست (پایگاه داده‌ای نیست، یا هنوز صفی نیست)
fed-queue-error = صف فدراسیون خوانده نشد: { $error }
fed-queue-error-fix = بررسی‌های پایگاه داده در بالا را ببینید
fed-queue-down-one = { $server } ({ $failures } شکست پشت سر هم، { $events } رویداد در انتظار، تلاش بعدی تا { $minutes } دقیقه‌ی دیگر)
fed-queue-ok = { $servers } سرور رویدادهای ما را دریافت می‌کنند؛ { $events } رویداد در انتظار فرستادن
fed-queue-down = به { $down } سرور از { $servers } سرور دسترسی نیست:{" "}
fed-queue-down-fix = وقتی آن‌ها پاسخ دهند، با ما تماس بگیرند یا matrixd دوباره راه‌اندازی شود، تحویل خودبه‌خود ادامه می‌یابد؛ اگر یکی همچنان در دسترس نبود، از همین‌جا بررسی‌اش کنید: { $cmd }

## doctor: سرویس (src/doctor/checks/service.rs)

svc-skip-unknown-os = رد شد (سیستم‌عامل ناشناخته: داده‌ای درباره‌ی مدیر سرویس‌ها نیست)
svc-not-installed = سرویس matrixd نصب نشده است ({ $path } وجود ندارد)
svc-manager-not-running = { $path } نصب شده اما { $manager } این‌جا در حال اجرا نیست
svc-installed = { $path } نصب شده است ({ $manager })
svc-state = وضعیت { $unit }: { $state }
svc-not-enabled = { $unit } فعال (enabled) نیست: هنگام راه‌اندازی سیستم اجرا نمی‌شود
svc-not-enabled-state = وضعیت { $unit }: { $state }؛ هنگام راه‌اندازی سیستم اجرا نمی‌شود
svc-cannot-run = { $cmd } اجرا نمی‌شود
svc-running = { $name } در حال اجرا است ({ $how })
svc-not-running = { $name } در حال اجرا نیست
svc-start-fix = { $start }   (سپس { $status } برای دیدن لاگ آن)
svc-running-pid = { $name } در حال اجرا است (شناسه‌ی فرایند { $pid } از { $path })
svc-stale-pid = { $name } در حال اجرا نیست ({ $path } کهنه است)
svc-no-pid = { $name } در حال اجرا نیست ({ $path } نیست)
svc-cannot-tell = معلوم نمی‌شود: نه مدیر سرویسی هست و نه { $key }
svc-no-listeners = هیچ شنونده‌ای (listener) پیکربندی نشده است
svc-no-listeners-fix = یک شنونده‌ی http روی درگاه { $port } با resources برابر { $resources } بیفزایید
svc-listener-on = { $label } روی { $addrs }
svc-listening = در حال گوش دادن روی { $listeners }
svc-nothing-accepts = هیچ چیز اتصال نمی‌پذیرد روی{" "}
svc-nothing-accepts-fix = matrixd را راه‌اندازی کنید ({ $start })؛ اگر در حال اجرا است، شاید برنامه‌ی دیگری درگاه را گرفته باشد: { $cmd }
svc-no-client-listener = هیچ شنونده‌ای API کلاینت را ارائه نمی‌کند
svc-versions-ok = { $url } پاسخ می‌دهد ({ $n } نسخه‌ی مشخصات)
svc-versions-none = { $url } بدون فهرست نسخه‌ها پاسخ داد
svc-port-is-matrixd = بررسی کنید آن درگاه متعلق به matrixd باشد
svc-port-is-matrixd-log = بررسی کنید آن درگاه متعلق به matrixd باشد؛ لاگ آن را ببینید
svc-versions-unreachable-fix = matrixd را راه‌اندازی کنید ({ $start }) و لاگ آن را ببینید ({ $status })

## doctor: کشف سرور از سوی کلاینت (src/doctor/checks/client.rs)

cli-wk-unreachable-fix = آن را با https ارائه کنید ({ $cmd }) تا کلاینت‌ها سرور را از روی شناسه‌ی کاربر پیدا کنند
cli-wk-404 = { $url } ارائه نمی‌شود ({ $status }): کاربران باید نشانی سرور را دستی وارد کنند
cli-wk-404-fix = آن‌جا { $json } را با CORS ارائه کنید ({ $cmd } همین کار را می‌کند)
cli-wk-status-fix = فایل را با کد وضعیت { $status } ارائه کنید
cli-wk-json-fix = یک JSON معتبر ارائه کنید: { $json }
cli-wk-no-base = { $url } کلید { $key } را ندارد
cli-serve = { $json } را ارائه کنید
cli-wk-redirects = {" "}(پس از { $n } تغییرمسیر)
cli-skip-no-wk = رد شد (well-known کلاینتِ قابل استفاده نیست: { $check } را ببینید)
cli-cors-redirect = تغییرمسیر در { $url } ({ $status }) سرآیند { $header } ندارد: مرورگرها همان‌جا می‌ایستند
cli-cors-after-redirect = { $url } (که از راه تغییرمسیر به آن رسیده‌ایم) سرآیند { $header } ندارد
cli-cors-missing = { $url } سرآیند { $header } ندارد: کلاینت‌های وب نمی‌توانند آن را بخوانند
cli-cors-redirect-fix = فایل را مستقیم روی نام سرور ارائه کنید، یا `{ $line }` را به تغییرمسیر هم بیفزایید
cli-cors-fix = `{ $line }` را به location که آن را ارائه می‌کند بیفزایید
cli-cors-every-redirect = {" "}(روی همه‌ی تغییرمسیرها هم)
cli-base-no-answer = { $url } پاسخ نمی‌دهد: { $why }
cli-base-no-answer-fix = { $key } را همان نشانی‌ای بگذارید که پراکسی معکوس شما { $path } را روی آن ارائه می‌کند ({ $public })، و بررسی کنید پراکسی { $path } را می‌فرستد
cli-base-differs = { $base } پاسخ می‌دهد اما با { $public } فرق دارد
cli-base-differs-fix = { $key } در well-known و { $public } را یک نشانی بگذارید
cli-base-ok = { $base } به { $path } پاسخ می‌دهد

## doctor: nginx (src/doctor/checks/nginx.rs)

ngx-no-site-why = سایت nginx برای matrixd نیست (matrixd خودش به کلاینت‌ها پاسخ می‌دهد، یا پراکسی دیگری به کار می‌رود)
ngx-no-site = سایت nginx برای matrixd نیست
ngx-not-installed = { $path } وجود دارد اما nginx نصب نیست
ngx-not-installed-fix = nginx را نصب کنید ({ $cmd })، یا سایت را حذف کنید
ngx-cannot-run = { $cmd } اجرا نمی‌شود: { $error }
ngx-check-install = نصب nginx را بررسی کنید
ngx-t-ok = { $cmd }: پیکربندی معتبر است
ngx-t-root-fix = doctor را با کاربر { $user } اجرا کنید ({ $cmd } کلیدها را می‌خواند)
ngx-t-fix = خطی را که nginx نام می‌برد درست کنید، سپس: { $cmd }
ngx-t-fails = { $cmd } شکست می‌خورد: { $error }
ngx-no-forward = { $path } درخواست‌های { $prefix } را به matrixd نمی‌فرستد
ngx-no-forward-fix = بیفزایید: { $line }
ngx-no-synapse-client = { $prefix } فرستاده نمی‌شود (صفحه‌های بازنشانی گذرواژه و SSO)
ngx-uri-part = { $pass } بخش URI دارد: nginx مسیرها را بازنویسی می‌کند و امضاهای فدراسیون خراب می‌شوند
ngx-wrong-port = { $pass } به درگاه { $port } می‌رود که هیچ شنونده‌ی matrixd روی آن پیکربندی نشده است
ngx-forward-both-fix = هر دو را با این بفرستید: { $line }
ngx-size-unset = تنظیم نشده (پیش‌فرض nginx یعنی { $default })
ngx-size-unlimited = { $value } (نامحدود)
ngx-size-bad = { $value } یک اندازه نیست
ngx-size-bad-fix = اندازه‌ای مانند { $example } به کار ببرید
ngx-size-is = برابر است با{" "}
ngx-size-small = {" "}اما { $key } برابر { $max } است: بارگذاری‌های بزرگ‌تر با خطای { $status } شکست می‌خورند
ngx-size-small-fix = { $line } را در { $path } تنظیم کنید، سپس { $cmd }

## doctor: ایمیل و TURN (src/doctor/checks/email.rs، turn.rs)

mail-note-smtp-only = matrixd هنوز رایانامه نمی‌فرستد؛ این فقط سرور SMTP را بررسی می‌کند
mail-no-smtp = { $target } به SMTP پاسخ نمی‌دهد: { $error }
mail-no-smtp-fix = { $host } و { $port } را بررسی کنید، و این‌که دیواره‌ی آتش اجازه می‌دهد این ماشین به آن برسد
mail-no-starttls = { $target } به EHLO پاسخ می‌دهد اما STARTTLS پیشنهاد نمی‌کند، و { $key } برابر true است
mail-no-starttls-fix = STARTTLS را روی سرور SMTP فعال کنید، یا درگاه TLS آن را با { $key } به کار ببرید
mail-ehlo = { $target } به EHLO پاسخ می‌دهد
mail-ehlo-starttls = { $target } به EHLO پاسخ می‌دهد (STARTTLS پیشنهاد می‌شود)
turn-token-file = { $flag } خوانده نمی‌شود: { $error }
turn-token-file-fix = فایلی بدهید که یک توکن دسترسی (access token) در آن است
turn-start-fix = matrixd را راه‌اندازی کنید ({ $cmd })
turn-not-served = TURN پیکربندی شده اما matrixd هنوز { $path } را ارائه نمی‌کند: کلاینت‌ها هیچ سرور TURN دریافت نمی‌کنند
turn-not-served-fix = تا وقتی matrixd از آن پشتیبانی کند، تماس میان کاربرانی که پشت NAT هستند شکست می‌خورد؛ تنظیمات TURN برای آن زمان نگه داشته می‌شوند
turn-needs-login = به یک کاربر واردشده نیاز دارد: { $flag } را بدهید (فایلی که یک توکن دسترسی در آن است)
turn-see-log = لاگ matrixd را ببینید
turn-no-credential = { $path } با وجود پیکربندی TURN هیچ اعتبارنامه‌ای برنگرداند
turn-no-credential-fix = { $key } را بررسی کنید و matrixd را دوباره راه‌اندازی کنید
turn-secret-unreadable = رمز TURN خوانده نمی‌شود: { $error }
turn-secret-unreadable-fix = { $key } را درست کنید
turn-skip-half = رد شد (TURN نیمه‌کاره پیکربندی شده: { $check } را ببینید)
turn-ok = اعتبارنامه‌ی { $user } با { $key } مطابقت دارد
turn-mismatch = اعتبارنامه‌ی { $user } با { $key } مطابقت ندارد: coturn آن را رد می‌کند
turn-mismatch-fix = { $key } را برابر { $option } در coturn بگذارید، سپس matrixd را دوباره راه‌اندازی کنید

## doctor: پایگاه داده (src/doctor/checks/database.rs)

db-reachable-ok = { $version } ({ $db })
db-describe-sqlite = SQLite { $path }
db-describe-pg = PostgreSQL { $target }
db-describe-pg-socket = PostgreSQL، نقش { $user } روی سوکت محلی، پایگاه داده‌ی { $dbname }
db-default-user = (کاربر)
db-default-dbname = (پایگاه داده)
db-in-memory = پایگاه داده { $value } است (چیزی برای بررسی نیست)
db-sqlite-missing = { $path } وجود ندارد (matrixd در نخستین راه‌اندازی آن را می‌سازد)
db-connect-timeout = در مهلت اتصال (connect timeout) پاسخی نیامد
db-cannot-open = { $db } باز نمی‌شود: { $error }
db-cannot-open-fix = بررسی کنید PostgreSQL در حال اجرا است ({ $cmd }) و نقش، گذرواژه و نام پایگاه داده در { $key } درست است
db-sqlite-open-fix = matrixd را یک بار راه‌اندازی کنید تا آن را بسازد، یا { $key } را درست کنید؛ doctor را با کاربر سرویس یا root اجرا کنید
db-peer-root-fix = PostgreSQL نقش { $role } را روی سوکت محلی فقط برای کاربر سیستم‌عاملی می‌پذیرد که به آن نگاشته شده (احراز هویت peer یا ident)، و doctor نتوانست با آن کاربر اجرا شود: آن را با کاربر سرویس اجرا کنید: { $cmd }
db-peer-fix = PostgreSQL نقش { $role } را روی سوکت محلی فقط برای کاربر سیستم‌عاملی می‌پذیرد که به آن نگاشته شده (احراز هویت peer یا ident): doctor را با root ({ $sudo }) یا با کاربر سرویس ({ $cmd }) اجرا کنید
db-no-schema = پایگاه داده هنوز طرح‌واره (schema) ندارد
db-no-schema-fix = matrixd را راه‌اندازی کنید: هنگام شروع طرح‌واره را می‌سازد
db-skip-schema = رد شد (نسخه‌ی طرح‌واره خوانده نمی‌شود: { $error })
db-migration-failed = مهاجرت (migration) شماره‌ی { $v } نیمه‌کاره شکست خورد
db-migration-failed-fix = خطا را در لاگ matrixd ببینید، برطرفش کنید، سپس matrixd را دوباره راه‌اندازی کنید
db-pending = { $n } مهاجرت (migration) در انتظار
db-pending-fix = { $cmd }   (مهاجرت‌ها هنگام شروع اجرا می‌شوند)
db-newer = پایگاه داده { $n } مهاجرت دارد که این matrixctl نمی‌شناسد: از سرور قدیمی‌تر است
db-newer-fix = matrixctl را به نسخه‌ی سرور ارتقا دهید
db-migrations-ok = { $n } مهاجرت اعمال شده، هیچ‌کدام در انتظار نیست
db-skip-sqlite-utf8 = رد شد (SQLite همیشه UTF-8 است)
db-skip-query = رد شد (از پایگاه داده پرس‌وجو نمی‌شود: { $error })
db-encoding = کدگذاری { $encoding }، ترتیب‌بندی (collation) { $collation }، ctype { $ctype }
db-encoding-fix = پایگاه داده را دوباره بسازید: { $sql }
db-backups-none = پشتیبان‌گیری راه‌اندازی نشده است ({ CODE("install") } با { $flag } DIR یک پشتیبان روزانه زمان‌بندی می‌کند)
db-backups-unreadable = { $path } با این کاربر خواندنی نیست (فقط از آنِ root است): { $sudo } را اجرا کنید
db-backups-no-dir = پوشه‌ی پشتیبان { $path } وجود ندارد
db-backups-fix-install = { $cmd } را دوباره اجرا کنید تا آن را از نو بنویسد
db-backups-empty = هنوز هیچ پشتیبانی از این سرور در { $path } نیست
db-backups-fix-run = همین حالا یکی بسازید و ببینید چه چیزی شکست می‌خورد: { $cmd }
db-backups-old = تازه‌ترین پشتیبان، { $path }، { $hours } ساعت پیش ساخته شده است (بیش از { $max }): پشتیبان‌گیری روزانه اجرا نمی‌شود یا شکست می‌خورد
db-backups-ok = تازه‌ترین پشتیبان { $path }، { $hours } ساعت پیش
db-backups-schedule-missing = { $what } پشتیبان‌گیری روزانه وجود ندارد: هیچ پشتیبانی ساخته نخواهد شد
db-backups-timer-off = { $timer } در وضعیت { $state } است: هیچ پشتیبانی ساخته نخواهد شد
db-backups-timer-fix = { CODE("systemctl enable --now") } { $timer }
db-collation-fix = پایگاه داده را با { $sql } دوباره بسازید و داده‌ها را منتقل کنید
db-unsafe-allowed = {" "}(با اجازه‌ی { $key })

## خطاهای برنامه‌ریزی نصب (src/plan/steps/*.rs)

plan-err-no-cert = گواهی { $path } وجود ندارد
plan-err-no-cert-hint = { $flag } را با فایل PEM زنجیره‌ی کامل بدهید
plan-err-no-key = کلید خصوصی { $path } وجود ندارد یا خوانده نمی‌شود
plan-err-no-key-hint = { $flag } را با کلید خصوصی PEM آن بدهید
plan-err-bad-pair = { $path } قابل استفاده نیست: { $error }
plan-err-bad-pair-hint = زنجیره‌ی کامل (اول گواهی سرور، سپس گواهی‌های میانی) و کلید خود آن را بدهید، یا { $flag } را به کار ببرید
plan-err-missing = پاسخ { $key } داده نشده است
plan-err-missing-hint = { $flag } را بدهید یا { $key } را در فایل پاسخ‌ها بنویسید
plan-err-smtp-pass = فایل گذرواژه‌ی SMTP یعنی { $path } خوانده نمی‌شود
plan-err-smtp-pass-hint = { $flag } را بررسی کنید
plan-err-turn-secret = فایل رمز TURN یعنی { $path } وجود ندارد
plan-err-turn-secret-hint = آن را بسازید، یا با { $flag } بگذارید یکی ساخته شود

## پیشرفت اجرا (src/exec/apply.rs)

exec-updated = { $path } (فایل قبلی با نام { $backup } نگه داشته شد)
exec-keep-secret = { $path } (از قبل وجود دارد؛ رمز هرگز بازنویسی نمی‌شود)
exec-keep-key = { $path } (از قبل وجود دارد؛ کلید امضا هرگز بازنویسی نمی‌شود)
exec-exists = { $path } (از قبل وجود دارد)
exec-new-secret = { $path } (رمز، مجوز { $mode })
exec-new-key = { $path } (کلید امضا، مجوز { $mode })
exec-packages-installed = بسته‌های { $names } (از قبل نصب‌اند)
exec-package-lists = فهرست بسته‌ها (`{ $cmd }`)
exec-user-exists = کاربر { $name } (وجود دارد)
exec-already-done = { $title }: از قبل انجام شده
exec-from = { $path } (از { $src })
exec-cert-kept = { $path } و کلیدش (بیش از { $days } روز دیگر معتبرند)
exec-cert-backup-due = { $path } به { $backup } (کمتر از { $days } روز اعتبار مانده است)
exec-cert-backup-unpaired = { $path } به { $backup } (جفتش وجود نداشت)
exec-cert-new = { $cert } (خودامضا برای { $names }) و { $key }
exec-include-added = { $path } (include افزوده شد؛ فایل قبلی با نام { $backup } نگه داشته شد)
exec-not-restarting = { $name } در حال اجرا است؛ چیزی که می‌خواند تغییر نکرده، دوباره راه‌اندازی نمی‌شود
exec-added-to = { $what } به { $path }
exec-ready = { $url } در { $ms } میلی‌ثانیه پاسخ داد

## ساخت پیکربندی روی پیکربندی موجود (src/plan/generate_config.rs)

gc-other-server = { $path } برای { $key } است، نه { $ours }
gc-other-server-hint = { $key } هرگز قابل تغییر نیست؛ همان { $flag } را بدهید، یا برای سرور تازه یک { $path } تازه
gc-kept-config = { $path } (از قبل وجود دارد؛ فقط آن‌چه کم است افزوده می‌شود)
gc-kept-key = { $key } در { $path }

## فایل پاسخ‌ها (src/answers/file.rs)

answers-did-you-mean = {" "}(منظورتان { $name } بود؟)
answers-unknown-key = کلید ناشناخته‌ی { $key }{ $hint }

## بله و خیر به‌صورت واژه (src/wizard/prompt.rs)

wizard-yes = بله (yes)
wizard-no = خیر (no)

## قاب خود clap (src/cli.rs)

help-usage-heading = شیوه‌ی استفاده:
help-commands-heading = فرمان‌ها:
help-arguments-heading = آرگومان‌ها:
help-options-heading = گزینه‌ها:
help-help = نمایش راهنما
help-version = نمایش نسخه
help-possible-values = {" "}[مقدارهای ممکن: { $values }]

## چرا یک مرحله شکست خورد (src/exec/*.rs)

exec-cannot-write = { $path } نوشته نمی‌شود: { $error }
exec-cannot-create = { $path } ساخته نمی‌شود: { $error }
exec-cannot-chmod = مجوزهای { $path } تغییر نمی‌کند (chmod): { $error }
exec-cannot-chown = مالک { $path } تغییر نمی‌کند (chown): { $error }
exec-cannot-replace = { $path } جایگزین نمی‌شود: { $error }
exec-cannot-link = پیوند { $path } ساخته نمی‌شود: { $error }
exec-cannot-open = { $path } باز نمی‌شود: { $error }
exec-cannot-copy = { $src } در { $dst } رونوشت نمی‌شود: { $error }
exec-cannot-back-up = از { $path } در { $backup } پشتیبان گرفته نمی‌شود: { $error }
exec-cannot-generate-cert = گواهی ساخته نمی‌شود: { $error }
exec-cannot-read-nginx = { $path } خوانده نمی‌شود: { $error } (آیا nginx نصب است؟)
exec-no-owner = کاربر { $user } یا گروه { $group } وجود ندارد
exec-no-http-block = هیچ سطر { $block } در { $path } پیدا نشد؛ { $line } را خودتان درون بلوک http آن بیفزایید
exec-no-answer = { $url } در { $seconds } ثانیه پاسخ نداد ({ $last })
exec-did-not-stop = { $name } (شناسه‌ی فرایند { $pid }) متوقف نشد
exec-cannot-start-without = { $why }، و { $name } بدون آن راه‌اندازی نمی‌شود؛ سیستم را با آن بوت کنید، یا { $name } را خودتان راه‌اندازی کنید
exec-cannot-stop-without = { $note }: { $name } بدون مدیر سرویس متوقف نمی‌شود
exec-http-client = کلاینت HTTP ساخته نمی‌شود: { $error }
exec-it-answered = پاسخ داد: { $status }
exec-cannot-run = { $cmd } اجرا نمی‌شود: { $error }
exec-cannot-start = { $cmd } راه‌اندازی نمی‌شود: { $error }
exec-config-test-failed = آزمون پیکربندی شکست خورد: { $error }
exec-no-manager-path = مدیر سرویس‌ها در حال اجرا نیست ({ $path } نیست)
exec-no-manager = مدیر سرویس‌ها در حال اجرا نیست
exec-not-installed = { $cmd } نصب نیست (در { $var } پیدا نشد)
exec-exited = `{ $cmd }` با کد { $code } پایان یافت
exec-killed = `{ $cmd }` با یک سیگنال پایان یافت
answers-missing = پاسخ { $key } داده نشده است ({ $flag } را بدهید)
help-subcommand = نمایش همین راهنما یا راهنمای فرمان(های) داده‌شده

## doctor: خطاهای شبکه (src/doctor/net.rs)

net-dns-config = پیکربندی DNS سیستم خوانده نمی‌شود: { $error }
net-resolver = نام‌یاب (resolver) DNS ساخته نمی‌شود: { $error }
net-no-resolve = نام { $host } پیدا نمی‌شود: { $error }
net-no-a = { $host } هیچ رکورد A یا AAAA ندارد
net-no-address = { $host } هیچ نشانی‌ای ندارد
net-not-json = JSON معتبر نیست ({ $error })
net-not-url = { $url } نشانی (URL) نیست: { $error }
net-no-host = { $url } نام میزبان ندارد
net-body = خواندن بدنه‌ی پاسخ: { $error }

## گواهی موجود برای نصب (src/plan/tls.rs)

ptls-not-pem = فایل گواهی با قالب PEM نیست: { $error }
ptls-no-cert = در فایل گواهی هیچ گواهی‌ای نیست
ptls-unparsable = یک گواهی تجزیه نمی‌شود: { $error }
ptls-not-valid = گواهی { $subject } اکنون معتبر نیست (معتبر از { $from } تا { $to })
ptls-no-chain = در فایل فقط گواهی { $subject } هست، نه زنجیره‌ی کامل: گواهی(های) میانی صادرشده از سوی { $issuer } را پس از آن بیفزایید (certbot: { $fullchain }، نه { $cert })
ptls-order = ترتیب زنجیره به هم ریخته است: { $subject } را { $issuer } صادر کرده، اما گواهی بعدی { $next } است
ptls-key-not-pem = در فایل کلید هیچ کلید خصوصی PEM نیست: { $error }
ptls-key-unusable = کلید خصوصی قابل استفاده نیست: { $error }
ptls-no-public = کلید عمومیِ این کلید خصوصی به دست نمی‌آید
ptls-key-mismatch = کلید خصوصی به گواهی { $subject } تعلق ندارد

## doctor: کار یک تغییرمسیر یا سرور SMTP (src/doctor/checks/client.rs، email.rs)

cli-bad-redirect = تغییرمسیر نادرست به { $to }: { $error }
cli-too-many-redirects = بیش از { $n } تغییرمسیر
mail-closed = اتصال بسته شد
mail-not-smtp = پاسخ SMTP نیست: { $line }
mail-timeout = { $addr }: در { $n } ثانیه پاسخی نیامد
mail-greeting = خوش‌آمد سرور: { $reply }
mail-ehlo-answered = پاسخ EHLO: { $reply }
mail-stalled = { $addr }: گفت‌وگوی SMTP متوقف ماند
mail-implicit-tls = (TLS ضمنی: اتصال پذیرفته شد)

## خطاهای خط فرمان (src/cli.rs)

clap-unknown-argument = آرگومان ناشناخته: { $arg }
clap-invalid-subcommand = فرمان ناشناخته: { $name }
clap-invalid-value = مقدار { $value } برای { $arg } نامعتبر است
clap-invalid-value-why = مقدار { $value } برای { $arg } نامعتبر است: { $why }
clap-missing = این آرگومان‌های لازم داده نشده‌اند: { $args }
clap-conflict = { $arg } را نمی‌توان همراه { $other } به کار برد
clap-values = تعداد مقدارهای { $arg } نادرست است
clap-try-help = برای اطلاعات بیشتر { $flag } را امتحان کنید
clap-missing-subcommand = یک فرمان لازم است

## doctor -v: چرا بررسی‌های پایگاه داده با کاربر دیگری اجرا شدند (src/doctor/checks/database.rs)

db-or = {" "}یا{" "}
db-no-os-user = کاربر سیستم‌عاملی برای اجرا نیست: هیچ‌کدام از { $names } وجود ندارد (نقش پایگاه داده، کاربر سرویس توزیع) و مالک پیکربندی root است
db-run-as-user = به عنوان { $user }: { $error }
db-run-as-no-exe = این برنامه پیدا نمی‌شود: { $error }
db-run-as-cannot-run = { $path } به عنوان { $user } اجرا نمی‌شود: { $error }
db-run-as-no-report = { $cmd } به عنوان { $user } با { $status } پایان یافت و گزارشی نداد: { $error }
db-run-as-bad-status = { $cmd } به عنوان { $user } برای { $check } وضعیت { $status } را گزارش کرد
db-run-as-incomplete = { $cmd } به عنوان { $user } همه‌ی بررسی‌های پایگاه داده را گزارش نکرد
db-how-as-user = با root، PostgreSQL نقش را روی سوکت محلی نپذیرفت ({ $error })، پس این بررسی مانند خود matrixd با کاربر سیستم‌عامل { $user } اجرا شد

## An installed matrixd package (issue 15)
plan-note-package = بسته‌ی { $format } نصب است: کاربر { $user }، فایل اجرایی و سرویسِ آن به کار می‌روند
plan-note-package-binary = matrixd از بسته‌ی نصب‌شده‌ی { $format }: { $path }
plan-note-package-service = تعریف سرویس (service definition) از آنِ بسته‌ی { $format } است: { $path } (و { $conf_d } را هم می‌خواند)
plan-note-package-secrets = کلید امضا (signing key) و رازها از آنِ بسته‌ی { $format } است: { $path }
plan-err-package-user = بسته‌ی { $format } سرور matrixd را با کاربر { $user } اجرا می‌کند، اما داده‌های توزیع (distro) کاربر { $expected } را می‌گوید
plan-err-package-user-hint = { $flag } همان توزیعی را بدهید که بسته برایش ساخته شده است
plan-err-package-name = بسته‌ی نصب‌شده نام سرور { $name } را دارد ({ $path })، نه { $answer }
plan-err-package-name-hint = نام سرور ({ CODE("server_name") }) هرگز تغییر نمی‌کند: { $flag } را بدهید، یا بسته را کامل پاک کنید (purge) تا از نو شروع کنید

## migrate-db (src/commands/migrate_db/)

about-migrate-db = پایگاه داده‌ی سرور را از SQLite به PostgreSQL منتقل کن (ادامه‌پذیر، وارسی‌شده)
help-migrate-db-config = فایل homeserver.yaml سروری که منتقل می‌شود [پیش‌فرض: همان که نصب شده]
help-migrate-db-pg-host = نام میزبان، نشانی یا پوشه‌ی سوکت یونیکس PostgreSQL [پیش‌فرض: سوکت]
help-migrate-db-pg-port = درگاه PostgreSQL [پیش‌فرض: 5432]
help-migrate-db-pg-user = نقش (role) در PostgreSQL [پیش‌فرض: matrixd]
help-migrate-db-pg-database = پایگاه داده‌ی PostgreSQL، خالی، با UTF8 و ترتیب‌بندی C [پیش‌فرض: matrixd]
help-migrate-db-pg-password-file = فایلی که گذرواژه‌ی نقش در آن است (خط نخستش)
help-migrate-db-dry-run = اندازه‌ها و برنامه را گزارش کن و چیزی را تغییر نده
help-migrate-db-yes = تأیید نخواه
help-migrate-db-distro = به‌جای شناسایی، داده‌های این خانواده‌ی سیستم‌عامل را به کار ببر
verb-copied = رونوشت شد
verb-resuming = ادامه
verb-verified = وارسی شد
err-migrate-no-config = سرور خانگی نصب‌شده‌ای پیدا نشد (matrixctl این سیستم‌عامل را نمی‌شناسد)
hint-migrate-pass-config = فایل homeserver.yaml سرور را با { $flag } بدهید
err-migrate-config-invalid = { $path } بارگذاری نمی‌شود
hint-migrate-doctor = `{ $cmd }` می‌گوید چه چیزی نادرست است و چگونه درستش کنید
migrate-nothing-to-do = { $path } از قبل PostgreSQL را به کار می‌برد ({ $db })؛ کاری نمانده است
err-migrate-memory = پایگاه داده { $value } است (در حافظه)؛ چیزی برای انتقال نیست
err-migrate-no-sqlite = پایگاه داده‌ی SQLite در { $path } وجود ندارد
err-migrate-open-sqlite = پایگاه داده‌ی SQLite در { $path } خوانده نمی‌شود
migrate-migration = مهاجرت (migration) { $version }
err-migrate-newer-db = { $path } را matrixd تازه‌تری از آن‌چه این matrixctl می‌شناسد به‌روز کرده است
hint-migrate-versions = matrixctl همان نسخه‌ای را به کار ببرید که matrixd نصب‌شده از آن است
err-migrate-unconfirmed = انتقال باید تأیید شود
migrate-question = پایگاه داده در PostgreSQL رونوشت شود و سرور به آن برود؟
migrate-upgrading = { $path }: مهاجرت‌هایی (migrations) که matrixd هنگام آغاز اعمال می‌کرد
err-migrate-upgrade = { $path } به‌روز نمی‌شود
err-migrate-verify = رونوشت با پایگاه داده‌ی SQLite یکی نیست؛ homeserver.yaml تغییر نکرد
migrate-mismatch = { $table }: در SQLite { $source_rows } ردیف (چکسام { $source_sum })، در PostgreSQL { $target_rows } ردیف (چکسام { $target_sum })
hint-migrate-config-kept = سرور هنوز SQLite را به کار می‌برد ({ $path } تغییر نکرده است)؛ این را با خط‌های بالا به‌عنوان اشکال گزارش کنید
migrate-done = { $rows } ردیف در { $tables } جدول رونوشت و وارسی شد؛ پیکربندی پیشین در { $backup } است
hint-migrate-start = آن را با `{ $cmd }` راه‌اندازی کنید
migrate-start-again = سرور را دوباره راه‌اندازی کنید: { $cmd }
err-migrate-running = matrixd در حال اجرا است؛ پایگاه داده نباید هنگام رونوشت تغییر کند
err-migrate-running-pid = matrixd در حال اجرا است (pid { $pid })؛ پایگاه داده نباید هنگام رونوشت تغییر کند
migrate-answering = { $url } پاسخ می‌دهد
hint-migrate-stop = آن را با `{ $cmd }` متوقف کنید و این فرمان را دوباره اجرا کنید؛ migrate-db پس از وارسی رونوشت آن را راه‌اندازی می‌کند
hint-migrate-kill = آن را با `{ $cmd }` متوقف کنید و این فرمان را دوباره اجرا کنید
hint-migrate-stop-it = matrixd که این پیکربندی را به کار می‌برد متوقف کنید و این فرمان را دوباره اجرا کنید
err-migrate-password-file = فایل گذرواژه‌ی { $path } خوانده نمی‌شود
err-migrate-password-empty = فایل گذرواژه‌ی { $path } خالی است
err-migrate-no-target = داده نشده است که در کدام پایگاه داده‌ی PostgreSQL رونوشت شود
hint-migrate-target = { $flags } را بدهید، یا آن را روی سرور نصب‌شده با { $sudo } اجرا کنید تا PostgreSQL همین ماشین به کار رود
migrate-plan-source = خواندن   { $path } ({ $size }، { $tables } جدول، { $rows } ردیف)
migrate-plan-upgrade = به‌روزرسانی  نخست فایل SQLite: { $n } مهاجرت که matrixd هنگام آغاز اعمال می‌کرد
migrate-plan-create = ساختن   نقش { $role } و پایگاه داده‌ی { $db } در PostgreSQL (UTF8، ترتیب‌بندی C)، اگر نباشند
migrate-plan-target = رونوشت   در PostgreSQL { $db }، دسته‌به‌دسته، ادامه‌پذیر:
migrate-rows = { $rows } ردیف
migrate-plan-verify = وارسی   شمار ردیف‌ها و چکسام هر جدول
migrate-plan-config = به‌روزرسانی  بخش database در { $path } (فایل پیشین کنارش نگه داشته می‌شود)
migrate-plan-start = راه‌اندازی  دوباره‌ی matrixd
err-migrate-create-db = پایگاه داده‌ی { $db } در PostgreSQL ساخته نمی‌شود
migrate-creating-role = نقش { $role } در PostgreSQL
migrate-creating-db = پایگاه داده‌ی { $db } در PostgreSQL (UTF8، ترتیب‌بندی C)
import-plan-pg-password = ساختن   { $path } (حالت 0600، هرگز بازنویسی نمی‌شود): گذرواژه‌ای تازه برای نقش { $role } در PostgreSQL، که matrixd با آن به 127.0.0.1 وصل می‌شود
import-plan-pg-password-keep = نگه‌داشتن  { $path }: گذرواژه‌ی نقش { $role } در PostgreSQL، که matrixd با آن به 127.0.0.1 وصل می‌شود
import-pg-password-set = گذرواژه‌ی نقش { $role } در PostgreSQL
err-import-pg-password = فایل گذرواژه‌ی PostgreSQL در { $path } خوانده نمی‌شود
hint-import-pg-password-empty = گذرواژه‌ی نقش را در { $path } بگذارید، یا فایل را پاک کنید تا گذرواژه‌ای تازه ساخته شود
err-migrate-target = پایگاه داده‌ی PostgreSQL { $db } به کار نمی‌آید
hint-migrate-connect = بررسی کنید که PostgreSQL در حال اجرا باشد، و میزبان، درگاه، نقش، گذرواژه و پایگاه داده‌ی داده‌شده درست باشند
migrate-resuming = رونوشتی نیمه‌کاره: { $done } جدول از { $tables } کامل بود
migrate-reverifying = رونوشتی کامل: دوباره مقایسه می‌شود
err-migrate-copy = جدول { $table } رونوشت نمی‌شود
migrate-copied = { $table } ({ $rows } ردیف)
migrate-speed = رونوشت در { $secs } ثانیه ({ $rate } رویداد در ثانیه)
migrate-verified = شمار ردیف‌ها و چکسام‌های { $tables } جدول یکی است
err-migrate-write-config = { $path } نوشته نمی‌شود
err-migrate-identity = هویت مالک فایل SQLite گرفته نمی‌شود
hint-migrate-empty-db = با { $flag } یک پایگاه داده‌ی خالی بدهید
hint-migrate-other-source = آن پایگاه داده از آنِ سرور دیگری است: با { $flag } پایگاه داده‌ی دیگری بدهید
help-migrate-db-batch-rows = شمار ردیف‌ها در هر دسته (و در هر تراکنش)

## پشتیبان‌گیری و بازگردانی (src/commands/backup/)

about-backup = یک بایگانی با رونوشتی سازگار از سرور بنویس: پایگاه داده، رسانه‌ها، کلیدها، پیکربندی
help-backup-config = فایل homeserver.yaml سروری که از آن پشتیبان گرفته می‌شود [پیش‌فرض: همان که نصب شده]
help-backup-to = بایگانی را این‌جا بنویس؛ در یک پوشه نامش matrixd-backup-SERVER-TIME.tar.gz می‌شود [پیش‌فرض: پوشه‌ی کنونی]
help-backup-distro = به‌جای شناسایی، داده‌های این خانواده‌ی سیستم‌عامل را به کار ببر
about-restore = سرور را از بایگانی‌ای که `backup` نوشته بازگردان، پس از وارسی چکسام‌ها
help-restore-archive = بایگانی‌ای که `matrixctl backup` نوشته است
help-restore-config-path = جای homeserver.yaml [پیش‌فرض: همان‌جا که بود]؛ کلیدها و رمزها کنارش می‌روند
help-restore-data-directory = جای پایگاه داده و انبار رسانه‌ها [پیش‌فرض: همان‌جا که بودند]
help-restore-force = پیکربندی یا پایگاه داده‌ی سرور دیگری را جایگزین کن
err-backup-exists = { $path } از قبل وجود دارد
hint-backup-exists = با { $flag } فایل دیگری انتخاب کنید؛ پشتیبان هرگز جای پشتیبان دیگری را نمی‌گیرد
err-backup-write = پشتیبان { $path } نوشته نمی‌شود
backup-snapshot = { $path } (یک تصویر سازگار)
backup-written = { $path }: { $files } فایل، { $media } تا رسانه، { $size }، با دسترسی 0600
err-restore-no-archive = { $path } وجود ندارد
err-restore-staging = در { $path } باز نمی‌شود
err-restore-damaged = { $path } آسیب دیده یا پشتیبان matrixctl نیست؛ چیزی بازگردانده نشد
restore-verified = { $files } فایل از { $server }، همه‌ی چکسام‌ها درست است
err-restore-other-server = { $path } از آنِ سرور { $found } است، نه { $server }
hint-restore-force = با { $config } و { $data } جای دیگری بازگردانید، یا با { $flag } جایگزینش کنید
err-restore-place = { $path } سر جایش گذاشته نمی‌شود
restore-done = { $files } فایل بازگردانده شد ({ $media } رسانه)؛ پیکربندی در { $path } است
err-backup-pg-dump = از پایگاه داده‌ی PostgreSQL { $db } رونوشت (dump) گرفته نمی‌شود
backup-pg-dump = { $db } ({ $tool }، در یک تراکنش سازگار)
err-restore-pg = پایگاه داده‌ی PostgreSQL { $db } بازگردانده نمی‌شود
err-restore-pg-used = پایگاه داده‌ی PostgreSQL { $db } خالی نیست
hint-restore-pg-used = به پیکربندی یک پایگاه داده‌ی خالی بدهید (آن‌گونه که install می‌سازد)، یا با { $flag } محتوایش را جایگزین کنید
err-install-sqlite-data = داده‌های این سرور در { $path } است: نصب با { $flag } سرور را روی یک پایگاه داده‌ی خالی PostgreSQL راه می‌اندازد
hint-install-migrate = نخست داده‌ها را با `{ $cmd }` منتقل کنید (پایگاه داده‌ی PostgreSQL را می‌سازد، رونوشت و وارسی می‌کند و homeserver.yaml را به آن می‌برد)
help-backup-keep = با یک پوشه: فقط N پشتیبان تازه‌تر این سرور را آن‌جا نگه دار و قدیمی‌ترها را پاک کن
err-backup-keep-needs-dir = { $flag } پوشه‌ای برای نگه‌داری پشتیبان‌ها می‌خواهد
hint-backup-keep = با { $flag } یک پوشه‌ی موجود بدهید
backup-pruned = { $path } (قدیمی‌تر از آن‌هایی که نگه داشته می‌شوند)
## ACME certificates (issue 19): install --tls acme, renew-certs
val-email = { $value } نشانی ایمیل نیست، مثلاً { $example }
val-acme-directory = { $value } نشانی https یک فهرست (directory) ACME نیست، مثلاً { $example }
q-acme-email-prompt = ایمیل برای هشدارهای انقضای Let's Encrypt (خالی: هیچ)
q-acme-staging-prompt = از مرجع آزمایشی (staging) Let's Encrypt استفاده شود؟ (برای آزمایش؛ گواهی‌هایش مورد اعتماد نیستند)
q-acme-directory-prompt = نشانی فهرست (directory) یک مرجع ACME دیگر (خالی: Let's Encrypt)
q-tls-choice-acme = Let's Encrypt (پیشنهادی)
q-tls-choice-self-signed = خودامضا (همین‌جا ساخته می‌شود؛ مرورگرها و سرورهای دیگر آن را نمی‌پذیرند)
q-tls-choice-existing = گواهی و کلید خودم
q-tls-choice-direct = خود matrixd روی درگاه { CODE("8448") } TLS را ارائه می‌کند
q-tls-choice-none = هیچ: HTTP ساده (فقط برای آزمایش)
help-install-acme-email = ایمیلی که مرجع ACME می‌تواند درباره‌ی گواهی‌ها به آن بنویسد (اختیاری)
help-install-acme-staging = استفاده از فهرست آزمایشی (staging) Let's Encrypt (گواهی‌هایی که کسی به آن‌ها اعتماد ندارد؛ برای امتحان کردن)
help-install-acme-directory = فهرست ACME (RFC 8555) که گواهی‌ها از آن گرفته می‌شوند، اگر Let's Encrypt نباشد
about-renew-certs = تمدید گواهی ACME وقتی کمتر از ۳۰ روز از اعتبارش مانده باشد (زمان‌سنج تمدید آن را اجرا می‌کند)
help-renew-certs-config = تنظیمات تمدیدی که نصب نوشته است [پیش‌فرض: { CODE("acme/renew.toml") } در پوشه‌ی پیکربندی]
help-renew-certs-force = حتی وقتی گواهی فعلی هنوز موعد تمدیدش نرسیده، گواهی تازه از مرجع خواسته شود
help-renew-certs-root = مسیرهای تنظیمات زیر این درخت پوشه‌اند (برای آزمون‌ها و سازنده‌های ایمیج)؛ nginx دوباره بارگذاری نمی‌شود
help-renew-certs-distro = به‌جای شناسایی خودکار، داده‌های این خانواده‌ی سیستم‌عامل به کار رود
plan-note-matrixd-acme = matrixd پس از اجرا خودش گواهی { $names } را می‌گیرد و بی‌راه‌اندازی دوباره تمدیدش می‌کند: مرجع گواهی به درگاه { $port } هر نام وصل می‌شود (TLS-ALPN-01)، پس نام‌ها باید به این سرور برسند و درگاه باز باشد؛ گزارش matrixd هر گواهی را می‌گوید، یا این‌که کدام نام و چرا شکست خورد
plan-err-acme-direct-port = بدون nginx، matrixd روی درگاه { $port } به مرجع گواهی پاسخ می‌دهد و { $manager } نمی‌تواند باز کردن آن را به کاربر بی‌امتیاز matrixd بدهد
plan-err-acme-direct-port-hint = { $flag } را به کار ببرید (nginx روی درگاه 80 به مرجع گواهی پاسخ می‌دهد)، یا گواهی خودتان را با { $existing } بدهید
plan-note-renew-crontab = این‌جا چیزی کارهای روزانه‌ی matrixctl را اجرا نمی‌کند: این خط را به crontab کاربر root بیفزایید ({ CODE("crontab -e") }) تا گواهی خودش تمدید شود: { $line }
plan-cert-stand-in = گواهی خودامضای موقت برای { $names }، تا سرور بتواند راه بیفتد تا گواهی مرجع جایش را بگیرد
plan-acme = گواهی برای { $names } از { $directory } (پاسخ { $challenge } از { $dir })، همین حالا و هر وقت کمتر از { $days } روز اعتبار بماند؛ سپس { $service } دوباره بارگذاری می‌شود
step-renew-timer = فعال کردن زمان‌سنج تمدید گواهی { $timer }
step-renew-timer-start = راه‌اندازی زمان‌سنج تمدید گواهی { $timer }
step-backup-timer = فعال کردن زمان‌سنج پشتیبان‌گیری روزانه { $timer }
step-backup-timer-start = راه‌اندازی زمان‌سنج پشتیبان‌گیری روزانه { $timer }
step-backup-reload = واداشتن systemd به خواندن دوباره‌ی { $timer } بازنویسی‌شده و سرویس آن
plan-note-backup-crontab = این‌جا چیزی کارهای روزانه‌ی matrixctl را اجرا نمی‌کند: این خط را برای پشتیبان‌گیری روزانه به crontab کاربر root بیفزایید ({ CODE("crontab -e") }): { $line }
plan-err-backups-inside = پوشه‌ی پشتیبان { $dir } درون { $inside } است: هر بایگانی پشتیبان‌های قدیمی‌تر را هم در خود می‌گیرد و { CODE("uninstall --purge") } آن‌ها را همراه سرور پاک می‌کند
plan-err-backups-inside-hint = به { $flag } پوشه‌ای بیرون از آن بدهید، مثلاً { CODE("/var/backups/matrixd") }
plan-err-adopt-tls = matrixd باید خودش TLS را ارائه کند، که به یک شنونده‌ی TLS در { $path } نیاز دارد، و { CODE("--adopt") } هرگز آن را بازنویسی نمی‌کند
plan-err-adopt-tls-hint = nginx را جلوی آن بگذارید ({ $flag })، یا شنونده را با دست به فایل بیفزایید و بدون { CODE("--tls direct") } نصب کنید
plan-err-adopt-listener = { $path } هیچ شنونده‌ی HTTP ساده‌ای برای { CODE("client") } ندارد که nginx درخواست‌ها را به آن بفرستد
plan-err-adopt-listener-hint = یکی به { $key } آن بیفزایید ({ CODE("type: http, tls: false, resources: client, federation") })، سپس { CODE("install --adopt") } را دوباره اجرا کنید
plan-err-adopt-outside = { $path } بیرون از { $data } است، جایی که سرویس نصب‌شده اجازه‌ی نوشتن دارد
plan-err-adopt-outside-hint = { $cmd } را دوباره بدون { $flag } اجرا کنید (پیش‌فرضش همین چیدمان است)، یا داده‌ها را به آن‌جا ببرید و مسیر را عوض کنید
plan-err-adopt-key = کلید امضای { $path } که { $config } نام می‌برد وجود ندارد
plan-note-adopt-ignored = { $keys }: اعمال نشد، چون { CODE("--adopt") } فایل { $path } را همان‌گونه که هست نگه می‌دارد؛ آن‌ها را با دست در آن تنظیم کنید
step-adopt-owner = سپردن پیکربندی پذیرفته‌شده، کلید امضایش و پوشه‌ی داده به { $user }
err-adopt-no-config = فایل { $path } برای پذیرفتن وجود ندارد
hint-adopt-import = آن را با { $cmd } بسازید (پیش‌فرض‌هایش همین چیدمان است)، سپس { CODE("install --adopt") } را اجرا کنید
err-adopt-config = پذیرفتن { $path } ممکن نیست
err-adopt-conflict = { $flag } { $given } با پیکربندی پذیرفته‌شده ناسازگار است، که می‌گوید { $config }
hint-adopt-conflict = { $flag } را ندهید ({ CODE("--adopt") } آن را از { $path } می‌گیرد)، یا پیکربندی را با دست تغییر دهید
err-install-imported = { $path } را { $cmd } نوشته است: نصب آن را جایگزین می‌کند، و کلید امضایش را با کلیدی تازه
hint-install-imported = آن را نگه دارید و بقیه را پیرامونش فراهم کنید: { $cmd }
step-acme = گواهی برای { $names } از مرجع ACME
acme-not-due = { $path } (معتبر تا { $date }، { $n } روز مانده؛ وقتی کمتر از { $limit } روز بماند تمدید می‌شود؛ با مرجع تماسی گرفته نشد)
acme-obtained = { $path } از { $issuer }، معتبر تا { $date } ({ $why })
acme-due-missing = گواهی‌ای وجود نداشت
acme-due-stand-in = جای گواهی خودامضای موقت را می‌گیرد
acme-due-names = گواهی قبلی { $names } را پوشش نمی‌داد
acme-due-expiring = گواهی قبلی { $n } روز اعتبار داشت، کمتر از { $limit } روز
acme-due-forced = تمدید با { $flag } اجباری شد
acme-bad-chain = گواهی‌ای که { $directory } صادر کرد قابل استفاده نیست، پس گواهی قبلی می‌ماند: { $error }
acme-cannot-reach = دسترسی به فهرست ACME در { $directory } ممکن نیست: { $error }
acme-bad-account = فایل حساب ACME در { $path } خواندنی نیست ({ $error })؛ برای ثبت حساب تازه آن را جابه‌جا کنید
acme-ca-refused = مرجع ACME در { $directory } نپذیرفت: { $error }
acme-authz-state = مجوز (authorization) مرجع برای { $name } در وضعیت { $state } است، نه در انتظار (pending)
acme-no-http01 = مرجع برای { $name } چالش { $challenge } پیشنهاد نمی‌کند
acme-challenge-failed = { $name } در چالش { $challenge } رد شد: { $error }
acme-order-state = سفارش در وضعیت { $state } تمام شد
acme-failed = گواهی‌ای صادر نشد و گواهی قبلی سر جایش می‌ماند. { $failures }. بررسی کنید که رکوردهای DNS از نوع { CODE("A/AAAA") } برای { $names } به این سرور اشاره کنند و درگاه { $port } از اینترنت به nginx برسد
renew-no-config = خواندن تنظیمات تمدید در { $path } ممکن نیست: { $error }
renew-no-config-hint = { CODE("renew-certs") } گواهی‌هایی را تمدید می‌کند که { $cmd } راه انداخته است
renew-bad-config = تنظیمات تمدید در { $path } نامعتبر است: { $error }
renew-bad-config-hint = { $cmd } را دوباره اجرا کنید تا آن را از نو بنویسد
renew-failed-hint = { $path } تغییری نکرد؛ علت را برطرف کنید و سپس { $cmd } را دوباره اجرا کنید
renew-reload-failed = گواهی تازه سر جایش است، اما بارگذاری دوباره‌ی nginx شکست خورد: { $error }
renew-reload-failed-hint = ببینید { $cmd } چه می‌گوید، آن را درست کنید و سپس nginx را دوباره بارگذاری کنید
tls-renewal-timer-ok = { $timer } فعال و در وضعیت { $state } است
tls-renewal-timer-off = { $timer } در وضعیت { $state } است: گواهی خودش تمدید نخواهد شد
tls-renewal-timer-fix = { CODE("systemctl enable --now") } { $timer }
tls-renewal-missing = { $path } وجود دارد اما { $what } نیست: گواهی خودش تمدید نخواهد شد
tls-renewal-missing-fix = { $cmd } را دوباره اجرا کنید تا آن را از نو بنویسد
tls-renewal-script = { $path } گواهی را هر روز تمدید می‌کند
tls-renewal-matrixd = matrixd خودش { $path } را از { $directory } می‌گیرد و { $days } روز پیش از انقضا تمدیدش می‌کند (بخش { CODE("acme") } پیکربندی آن؛ گزارشش هر تمدید را می‌گوید)
tls-renewal-none = زمان‌سنج تمدیدی نیست: گواهی از راه‌اندازی ACME خود matrixctl نیست ({ $path } وجود ندارد)
tls-renewal-no-systemd = در حال اجرا نیست ({ $manager } این‌جا اجرا نمی‌شود)
q-acme-directory-ca-prompt = گواهی ریشه‌ی HTTPS آن مرجع، اگر سیستم به آن اعتماد ندارد (خالی: هیچ)
help-install-acme-directory-ca = گواهی ریشه (PEM) برای HTTPS یک مرجع ACME خصوصی، اگر سیستم به آن اعتماد ندارد

## import-synapse (src/commands/import_synapse/)

about-import-synapse = یک نصب متوقف‌شده‌ی Synapse را به matrixd ببر: همان نام سرور، کلیدها، کاربران، ورودها، اتاق‌ها و رسانه‌ها
help-import-synapse-synapse-config = فایل homeserver.yaml سیناپس؛ برای هر فایل یا پوشه‌ی پیکربندی دیگری که Synapse با آن اجرا می‌شد تکرار کنید
help-import-synapse-config-path = جایی که homeserver.yaml سرور matrixd نوشته می‌شود [پیش‌فرض: چیدمان نصب]
help-import-synapse-data-directory = جایی که matrixd پایگاه داده و رسانه‌ها را نگه می‌دارد [پیش‌فرض: چیدمان نصب]
help-import-synapse-database = پایگاه داده‌ی matrixd: یک فایل SQLite در پوشه‌ی داده، یا PostgreSQL (پرچم‌های { CODE("--pg-*") })
help-import-synapse-pg-host = نام میزبان، نشانی یا پوشه‌ی سوکت یونیکس PostgreSQL [پیش‌فرض: سوکت]
help-import-synapse-pg-port = درگاه PostgreSQL [پیش‌فرض: 5432]
help-import-synapse-pg-user = نقش (role) در PostgreSQL [پیش‌فرض: matrixd]
help-import-synapse-pg-database = پایگاه داده‌ی PostgreSQL، خالی، با UTF8 و ترتیب‌بندی C [پیش‌فرض: matrixd]
help-import-synapse-pg-password-file = فایلی که گذرواژه‌ی نقش در آن است (خط نخستش)
help-import-synapse-dry-run = گزارش کن چه چیزی وارد می‌شود و چقدر طول می‌کشد، و چیزی را تغییر نده
help-import-synapse-yes = تأیید نخواه
help-import-synapse-distro = به‌جای شناسایی، داده‌های این خانواده‌ی سیستم‌عامل را به کار ببر
help-import-synapse-batch-rows = تعداد ردیف در هر دسته (و در هر تراکنش)
err-import-no-layout = جای سرور تازه داده نشده است (matrixctl این سیستم‌عامل را نمی‌شناسد)
hint-import-paths = { $config } و { $data } را بدهید (بیرون از پوشه‌های Synapse)
err-import-synapse-config = پیکربندی Synapse در { $path } بارگذاری نمی‌شود
hint-import-synapse-config = فایل homeserver.yaml سیناپس (و هر فایل پیکربندی دیگری که با آن اجرا می‌شود) را با { $flag } بدهید
err-import-open-synapse = پایگاه داده‌ی Synapse باز نمی‌شود ({ $db })
hint-import-open-synapse = بخش database در homeserver.yaml سیناپس را بررسی کنید، و این‌که این کاربر اجازه‌ی خواندن آن را دارد
err-import-not-synapse = پایگاه داده جدول { CODE("schema_version") } ندارد: مال Synapse نیست
err-import-schema = پایگاه داده‌ی Synapse نسخه‌ی طرح (schema) { $found } دارد؛ این matrixctl نسخه‌های { $supported } را می‌خواند
hint-import-schema-newer = matrixctl تازه‌تری به کار ببرید، یا با همان نسخه‌ای از Synapse که پایگاه داده آخرین بار با آن اجرا شد وارد کنید
hint-import-schema-older = نخست Synapse را به‌روز کنید (نسخه‌ی کنونی را یک بار اجرا و سپس متوقف کنید) و دوباره این را اجرا کنید
err-import-server-name = پایگاه داده‌ی Synapse کاربر { $user } را دارد، اما پیکربندی‌اش نام سرور { $name } را می‌گوید
err-import-running-pid = Synapse در حال اجراست (شناسه‌ی فرایند { $pid } در { $path })؛ هنگام وارد کردن، پایگاه داده‌اش نباید تغییر کند
err-import-running = چیزی روی شنونده‌ی Synapse در { $addr } پاسخ می‌دهد؛ هنگام وارد کردن، Synapse باید متوقف باشد
import-answering = { $addr } اتصال می‌پذیرد
hint-import-stop = Synapse را متوقف کنید (برای نمونه { $cmd }) و دوباره این را اجرا کنید؛ چیزی از Synapse تغییر نمی‌کند، پس بعداً می‌توان دوباره آن را آغاز کرد
err-import-overlap = فایل‌های سرور تازه به جای فایل‌های Synapse می‌روند ({ $dir })
err-import-read = { $step } از پایگاه داده‌ی Synapse خوانده نمی‌شود
err-import-unconfirmed = وارد کردن باید تأیید شود
import-question = این نصب Synapse به matrixd وارد شود؟
err-import-write = { $path } نوشته نمی‌شود
err-import-key = کلید امضای Synapse در { $path } خوانده نمی‌شود
hint-import-key = { $key } را در homeserver.yaml سیناپس بررسی کنید
err-import-key-exists = در { $path } از پیش کلید امضای دیگری هست؛ هرگز جایگزین نمی‌شود
hint-import-key-exists = برای پیکربندی تازه با { $flag } جای دیگری برگزینید
err-import-target = پایگاه داده‌ی تازه به کار نمی‌آید ({ $db })
hint-import-empty-target = در یک پوشه‌ی داده‌ی تازه یا یک پایگاه داده‌ی خالی وارد کنید
err-import-step = { $step } وارد نمی‌شود
import-step-done = { $step } (در اجرای پیشین وارد شده است)
import-step-resuming = { $step }: اجرای نیمه‌کاره { $rows } ردیف خوانده بود
import-copied = { $step } ({ $rows } ردیف، { $skipped } کنار گذاشته شد)
import-verifying = مقایسه‌ی دو پایگاه داده
err-import-verify-run = داده‌های واردشده با داده‌های Synapse مقایسه نمی‌شوند
import-report = وارسی (Synapse ← matrixd):
err-import-verify = { $n } مقایسه یکی نیستند؛ پیکربندی تازه نوشته نشد
hint-import-verify = اجرای دوباره‌ی { $cmd } کار را ادامه می‌دهد و دوباره مقایسه می‌کند؛ اگر باز هم یکی نبودند سطرهای بالا را گزارش کنید
import-verified = { $n } مقایسه یکی هستند
err-import-config-invalid = پیکربندی نوشته‌شده در { $path } بارگذاری نمی‌شود
import-next = matrixd را با { $cmd } روی آن آغاز کنید، یا بگذارید { $install } سرویس، پراکسی و گواهی‌هایش را برپا کند
import-plan-source = خواندن  پایگاه داده‌ی Synapse ({ $db })، نام سرور { $name }:
import-plan-target = نوشتن  { $db }، دسته‌به‌دسته، ادامه‌پذیر:
import-plan-key = رونوشت  کلید امضا از { $from } به { $to } (همان شناسه‌ی کلید)
import-plan-media = رونوشت  فایل‌های رسانه از { $from } به { $to }
import-plan-verify = وارسی  شمارش‌ها و نمونه‌ها (رویدادها با شناسه، کاربران، چکسام رسانه‌ها)
import-plan-config = نوشتن  { $path }، برگردانده از پیکربندی Synapse:
import-plan-estimate = حدود { $rows } ردیف ({ $events } رویداد): انتظار می‌رود حدود { $secs } ثانیه طول بکشد
import-key-set = { $key }: برابر { $to }
import-key-moved = { $key }: { $from } ← { $to }
import-key-database = { $key }: اکنون { $to }
import-key-inlined = { $key }: راز درون { $file } مستقیم در پیکربندی نوشته شد (سرور تازه فایل‌های Synapse را نمی‌خواند)
import-key-log-config = { $key }: کنار گذاشته شد (پیکربندی گزارش‌نویسی پایتونی Synapse؛ matrixd در گزارش مدیر سرویس می‌نویسد)
import-key-dropped = { $key }: کنار گذاشته شد (matrixd آن را نمی‌خواند)
import-key-acme = { $key }: کنار گذاشته شد (کلید حساب ACME سیناپس و HTTP-01 آن منتقل نمی‌شوند؛ بخش { CODE("acme") } خود matrixd، یا matrixctl install { $flag }، گواهی تازه می‌گیرد)
help-import-synapse-test-interrupt-after = در N-امین گزارش پیشرفت (هر یک پس از یک دسته‌ی ثبت‌شده) چنان بایست که گویی کشته شده است (برای آزمودن ادامه‌دادن)
import-owner = فایل‌های واردشده اکنون از آن { $user } هستند، کاربری که matrixd با آن اجرا می‌شود
err-import-matrixd-running = یک matrixd که { $path } را به کار می‌برد در حال اجراست؛ پایگاه داده‌اش نباید زیر دستش تغییر کند
hint-import-stop-matrixd = آن را با { $cmd } متوقف کنید و دوباره این را اجرا کنید
import-plan-left-out = کنار  آن‌چه matrixd جایی برایش ندارد: توکن‌های دسترسی تاریخ‌دار (نشست‌های دارای توکن تازه‌سازی دوباره وارد می‌شوند)، pusherهای غیرفعال، و نشان‌های تعلیق و مسدودسازی پنهان؛ حساب‌های قفل‌شده بی گذرواژه و توکن می‌آیند

# matrixd's configuration problems (ids and fields: server/src/config/problem.rs).
conf-at-key = { $key }: { $message }
conf-problem-error = خطا: { $problem }
conf-problem-warning = هشدار: { $problem }
conf-problem-fix = راه رفع: { $fix }
conf-found-null = هیچ (null)
conf-found-bool = مقدار بولی { $value }
conf-found-float = عدد { $value }
conf-found-integer = عدد صحیح { $value }
conf-found-string = رشته‌ی { $value }
conf-found-list = یک فهرست (list)
conf-found-mapping = یک نگاشت (mapping)
conf-found-tagged = مقداری با برچسب { $tag }
conf-expected-string = یک رشته (string)
conf-expected-boolean = یک مقدار بولی ({ CODE("true") } یا { CODE("false") })
conf-expected-integer = یک عدد صحیح از { $min } تا { $max }
conf-expected-string-list = فهرستی از رشته‌ها
conf-expected-list = یک فهرست (list)
conf-expected-mapping = یک نگاشت (mapping)
conf-expected-number = یک عدد
conf-expected-size = یک اندازه
conf-expected-duration = یک مدت زمان
conf-expected-presence = { CODE("true") }، { CODE("false") } یا { CODE("\"untracked\"") }
conf-expected-url-patterns = نگاشتی از بخش‌های نشانی (URL) به الگوها
conf-expected-name-or-list = یک نام یا فهرستی از نام‌ها
conf-wrong-type = باید { $expected } باشد، اما { $found } است
conf-out-of-range = { $value } بیرون از بازه‌ی مجاز است
conf-negative = { $value } منفی است
conf-key-not-string = کلید { $found } رشته نیست
conf-synapse-only = تنظیمی از Synapse است که matrixd هنوز پشتیبانی نمی‌کند؛ نادیده گرفته می‌شود
conf-unknown-key = کلید ناشناخته
conf-required = لازم است
conf-cannot-read-dir = پوشه‌ی پیکربندی { $path } خوانده نمی‌شود: { $error }
conf-cannot-read = { $path } خوانده نمی‌شود: { $error }
conf-file-ignored-empty = { $path } خالی است؛ نادیده گرفته می‌شود
conf-top-not-mapping = { $path }: سطح بالای فایل باید نگاشتی از کلیدها به مقدارها باشد، اما { $found } است
conf-yaml-syntax-at = { $path }: خطای نحوی YAML در سطر { $line }، ستون { $column }: { $error }
conf-yaml-syntax = { $path }: خطای نحوی YAML: { $error }
conf-no-config-file = هیچ فایل پیکربندی‌ای داده نشده است
conf-no-yaml-files = در پوشه‌های پیکربندی هیچ فایل { CODE("*.yaml") } نیست
conf-not-whole = { $value } عدد صحیح مثبت نیست
conf-not-whole-ms = { $value } عدد صحیح مثبتی از میلی‌ثانیه‌ها نیست
conf-not-size = { $value } اندازه نیست
conf-not-duration = { $value } مدت زمان نیست
conf-not-turn-uri = { $uri } نشانی TURN نیست
conf-turn-no-credentials = نشانی‌های TURN تنظیم شده‌اند اما نه { CODE("turn_shared_secret") } و نه { CODE("turn_username/turn_password") }؛ کلاینت‌ها هیچ سرور TURN دریافت نمی‌کنند
conf-turn-no-uris = اعتبارنامه‌های TURN تنظیم شده‌اند اما { CODE("turn_uris") } خالی است؛ کلاینت‌ها هیچ سرور TURN دریافت نمی‌کنند
conf-turn-half-static = { CODE("turn_username") } و { CODE("turn_password") } باید با هم تنظیم شوند
conf-invalid-server-name = { $name } نام سرور معتبری نیست
conf-not-http-url = { $url } نشانی http(s) نیست
conf-not-https-url = { $url } نشانی https نیست
conf-not-dns-name = { $name } یک نام DNS نیست
conf-no-domain = هیچ دامنه‌ای (domain) نام نمی‌برد
conf-acme-needs-tls-paths = به { CODE("tls_certificate_path") } و { CODE("tls_private_key_path") } نیاز دارد (جایی که گواهی نگه داشته می‌شود)
conf-acme-no-tls-listener = هیچ شنونده‌ای (listener) { CODE("tls: true") } ندارد، پس چیزی به چالش { CODE("tls-alpn-01") } مرجع صدور گواهی (CA) پاسخ نمی‌دهد و گواهی را ارائه نمی‌کند
conf-acme-no-port-443 = هیچ شنونده‌ی TLS روی پورت { CODE("443") } نیست: مرجع صدور گواهی (CA) چالش { CODE("tls-alpn-01") } را روی پورت { CODE("443") } هر نام بررسی می‌کند، پس آن پورت را به شنونده‌ی TLS سرور matrixd هدایت کنید
conf-bad-worker-name = { $name } نام معتبری برای یک پردازه (worker) نیست: ۱ تا ۶۴ حرف، رقم، { CODE("-") } یا { CODE("_") } به کار ببرید
conf-workers-need-postgres = چند پردازه‌ی matrixd یک پایگاه داده‌ی PostgreSQL را با هم به کار می‌برند؛ با SQLite فقط یک پردازه می‌تواند سرویس بدهد
conf-open-registration = ثبت‌نام باز بدون هیچ تأییدی به هر کسی اجازه می‌دهد حساب بسازد (و از آن هرزنامه بفرستد)
conf-report-stats-required = لازم است: بگویید آمار ناشناس استفاده گزارش شود یا نه
conf-file-missing = فایل { $path } وجود ندارد
conf-tls-listener-no-certificate = یک شنونده (listener) { CODE("tls: true") } دارد اما { CODE("tls_certificate_path") } و { CODE("tls_private_key_path") } هر دو تنظیم نشده‌اند
conf-directory-missing = پوشه‌ی { $path } وجود ندارد
conf-signing-key-invalid = کلید امضا در { $path } نامعتبر است: { $error }
conf-both-set = هر دو { $key } و { $path_key } تنظیم شده‌اند
conf-is-empty = خالی است
conf-file-empty = { $path } خالی است
conf-secret-not-yet = { $path } هنوز وجود ندارد؛ matrixd در نخستین راه‌اندازی آن را می‌سازد
conf-metrics-disabled = یک شنونده‌ی metrics پیکربندی شده اما { CODE("enable_metrics") } برابر { CODE("false") } است؛ نادیده گرفته می‌شود ({ CODE("enable_metrics: true") } را بگذارید)
conf-no-listeners = هیچ شنونده‌ای (listener) پیکربندی نشده است؛ matrixd به هیچ درخواستی پاسخ نمی‌دهد
conf-listener-type-unsupported = matrixd از شنونده‌های { $kind } پشتیبانی نمی‌کند؛ این شنونده نادیده گرفته می‌شود
conf-unknown-listener-type = نوع شنونده‌ی ناشناخته { $kind }
conf-not-ip-address = { $address } نشانی IP نیست
conf-resource-unsupported = matrixd از منبع (resource) { $name } پشتیبانی نمی‌کند؛ نادیده گرفته شد
conf-unknown-resource = منبع (resource) ناشناخته { $name }
conf-required-for-sqlite = برای { CODE("sqlite3") } لازم است
conf-required-for-postgres = برای { CODE("psycopg2") } لازم است
conf-dbname-and-database = هر دو { CODE("dbname") } و { CODE("database") } تنظیم شده‌اند
conf-not-port = { $value } شماره‌ی درگاه (port) نیست
conf-cp-min-above-max = { CODE("cp_min") } ({ $min }) بزرگ‌تر از { CODE("cp_max") } ({ $max }) است
conf-unknown-sslmode = { CODE("sslmode") } ناشناخته: { $mode }
conf-unknown-engine = موتور پایگاه داده‌ی ناشناخته { $name }
conf-verify-keys-form = هر مدخل باید به شکل { CODE("\"ed25519:auto\": \"<base64 public key>\"") } باشد
conf-custom-ca-empty = { CODE("federation_custom_ca_list") } بدون هیچ فایل گواهی‌ای آمده است
conf-custom-ca-no-pem = خطا در خواندن فایل گواهی CA سفارشی { $path }: هیچ گواهی PEM در آن نیست
conf-whitelist-not-server-name = { $name } نام سرور نیست (مانند { CODE("example.org") } یا { CODE("example.org:8448") })، پس هیچ سروری با آن جور نمی‌شود
conf-invalid-ip-range = بازه‌ی IP نامعتبر: { $value }
conf-unknown-url-part = بخش ناشناخته‌ی نشانی (URL)
conf-patterns-not-strings = الگوها باید رشته باشند (یک glob، یا یک عبارت باقاعده (regex) که با { CODE("^") } شروع می‌شود)
conf-preview-no-blacklist = برای امنیت، پیش‌نمایش نشانی‌ها (URL preview) فقط با فهرست سیاه صریحی از نشانی‌های IP مقصد در { CODE("url_preview_ip_range_blacklist") } کار می‌کند
conf-force-tls-needs-tls = { CODE("email.force_tls") } نیاز دارد { CODE("email.enable_tls") } برابر { CODE("true") } باشد
conf-transport-security-needs-tls = { CODE("email.require_transport_security") } نیاز دارد { CODE("email.enable_tls") } برابر { CODE("true") } باشد
conf-invalid-notif-from = نشانی { CODE("notif_from") } نامعتبر: { $from }
conf-notif-from-required = برای فرستادن نامه‌های تأیید و بازنشانی گذرواژه لازم است (Synapse: { CODE("\"email.notif_from\" is missing") })
conf-email-no-baseurl = رایانامه (email) پیکربندی شده اما { CODE("public_baseurl") } تنظیم نشده است: پیوندهای تأیید و بازنشانی گذرواژه در نامه‌ها از { CODE("public_baseurl") } ساخته می‌شوند
conf-lifetime-exceeds-session = { $lifetime_ms } میلی‌ثانیه از { CODE("session_lifetime") } ({ $session_ms } میلی‌ثانیه) بلندتر است؛ Synapse این را نمی‌پذیرد
conf-fix-quote-value = مقدار را در گیومه بگذارید: { $key }{ CODE(": \"...\"") }
conf-fix-integer-range = عدد صحیحی از { $min } تا { $max } به کار ببرید
conf-fix-non-negative = عددی برابر { CODE("0") } یا بیشتر به کار ببرید
conf-fix-did-you-mean = منظورتان { $key } بود؟ اگر نه، کلید را حذف کنید
conf-fix-remove-key = کلید را حذف کنید؛ فهرست کلیدهای پشتیبانی‌شده در { CODE("README.md") } است
conf-fix-check-directory = مسیر و مجوزهایش را بررسی کنید
conf-fix-generate-config = آن را با { CODE("matrixctl generate-config --server-name NAME --config-path FILE --report-stats=no") } بسازید، یا مسیر درست را با { CODE("--config") } بدهید
conf-fix-file-readable = مجوزهای فایل را بررسی کنید: سرور باید بتواند آن را بخواند
conf-fix-key-value-lines = فایل را با سطرهای «کلید: مقدار» مانند { CODE("server_name: ...") } شروع کنید
conf-fix-yaml-syntax = نحو YAML را آن‌جا درست کنید (با فاصله تورفتگی بدهید، مقدارهای دارای { CODE("':'") } یا { CODE("'#'") } را در گیومه بگذارید)
conf-fix-pass-config = { CODE("--config /etc/matrixd/homeserver.yaml") } را بدهید
conf-fix-add-homeserver-yaml = یک { CODE("homeserver.yaml") } بیفزایید
conf-fix-turn-uri-form = نشانی‌هایی به شکل { CODE("turn:host:3478?transport=udp") } به کار ببرید
conf-fix-duration-hours-minutes = مدتی مانند { CODE("\"1h\"") } یا { CODE("\"30m\"") } به کار ببرید
conf-fix-duration-hours = مدتی مانند { CODE("\"1h\"") } به کار ببرید
conf-fix-duration-minutes-days = مدتی مانند { CODE("\"5m\"") } یا { CODE("\"30d\"") } به کار ببرید (عدد تنها میلی‌ثانیه است)
conf-fix-lifetime-within-session = آن را حداکثر برابر { CODE("session_lifetime") } کنید، یا { CODE("session_lifetime") } را بیشتر کنید
conf-fix-turn-shared-secret = { CODE("turn_shared_secret") } را برابر { CODE("static-auth-secret") } در coturn بگذارید
conf-fix-turn-list-server = سرور TURN خود را در { CODE("turn_uris") } فهرست کنید
conf-fix-turn-set-both = هر دو را تنظیم کنید، یا به جایش { CODE("turn_shared_secret") } را به کار ببرید
conf-fix-set-server-name = { CODE("server_name") } را برابر دامنه‌ی شناسه‌ی کاربرانتان بگذارید، مثلاً { CODE("server_name: example.org") } (هرگز بعداً تغییر نمی‌کند)
conf-fix-server-name-forms = یک نام DNS ({ CODE("example.org") })، یک نشانی IPv4 یا { CODE("[IPv6]") } به کار ببرید، در صورت نیاز با { CODE(":port") }
conf-fix-server-name-example = نام سروری مانند { CODE("matrix.org") } به کار ببرید
conf-fix-public-baseurl = نشانی‌ای را که کلاینت‌ها به آن می‌رسند به کار ببرید، مثلاً { CODE("public_baseurl: https://matrix.example.org/") }
conf-fix-require-token = { CODE("registration_requires_token: true") } را بگذارید، یا اگر واقعاً ثبت‌نام باز می‌خواهید { CODE("enable_registration_without_verification: true") } را
conf-fix-add-report-stats = { CODE("report_stats: false") } (یا { CODE("true") }) را بیفزایید
conf-fix-upload-size = تعداد بایت یا اندازه‌ای مانند { CODE("\"50M\"") } یا { CODE("\"512K\"") } به کار ببرید
conf-fix-spider-size = تعداد بایت یا اندازه‌ای مانند { CODE("\"10M\"") } به کار ببرید
conf-fix-log-config = آن را بسازید ({ CODE("matrixctl generate-config") } یکی می‌نویسد) یا { CODE("log_config") } را حذف کنید تا گزارش‌ها به stderr بروند
conf-fix-pem-file = آن را به یک فایل PEM موجود نشانه بگیرید
conf-fix-tls-listener = هر دو را به فایل‌های PEM بدهید (گواهی به صورت زنجیره‌ی کامل)، یا { CODE("tls: false") } را بگذارید و TLS را در یک پراکسی معکوس (reverse proxy) پایان دهید
conf-fix-presence-values = { CODE("presence.enabled") } را برابر { CODE("true") }، { CODE("false") } یا { CODE("untracked") } بگذارید
conf-fix-create-directory = آن را با { CODE("mkdir -p") } { $path } بسازید، یا { $key } را به جایی که وجود دارد نشانه بگیرید
conf-fix-restore-key = کلید را از پشتیبان برگردانید؛ با کلید تازه، سرورهای دیگر به رویدادهای قدیمی اعتماد نمی‌کنند
conf-fix-create-key = آن را با { CODE("matrixctl generate-config") } بسازید (فقط فایل‌های نبوده را می‌افزاید)، یا مسیر را درست کنید
conf-fix-key-readable = آن را برای کاربری که matrixd با آن اجرا می‌شود خواندنی کنید (و برای هیچ کس دیگر: { CODE("chmod 600") })
conf-fix-keep-one = فقط یکی از { $key } و { $path_key } را نگه دارید
conf-fix-random-secret = یک رشته‌ی تصادفی بلند بگذارید، یا { $key } را حذف کنید
conf-fix-secret-in-file = رمز را در فایل بگذارید، یا فایل را پاک کنید تا matrixd یکی بسازد
conf-fix-secret-readable = آن را برای کاربری که matrixd با آن اجرا می‌شود خواندنی کنید ({ CODE("chmod 600") }، با مالکیت همان کاربر)
conf-fix-add-listener = یک شنونده‌ی http روی درگاه { CODE("8008") } با منابع { CODE("[client, federation]") } بیفزایید
conf-fix-add = { $line } را بیفزایید
conf-fix-use-type-http = { CODE("type: http") } را به کار ببرید
conf-fix-ip-address = نشانی‌ای مانند { CODE("127.0.0.1") }، { CODE("::1") }، { CODE("0.0.0.0") } یا { CODE("::") } به کار ببرید
conf-fix-resource-did-you-mean = منظورتان { $name } بود؟ matrixd این‌ها را ارائه می‌کند: { $names }
conf-fix-resources = matrixd این‌ها را ارائه می‌کند: { $names }
conf-fix-database-name = { CODE("name: sqlite3") } یا { CODE("name: psycopg2") } (PostgreSQL) را به کار ببرید
conf-fix-sqlite-file = آن را برابر فایل پایگاه داده بگذارید، مثلاً { CODE("/var/lib/matrixd/homeserver.db") }
conf-fix-postgres-args = { CODE("args") } را با { CODE("user") }، { CODE("password") }، { CODE("dbname") } (یا { CODE("database") })، { CODE("host") } و { CODE("port") } بیفزایید
conf-fix-keep-one-same = یکی از آن دو را نگه دارید (هر دو یک معنا دارند)
conf-fix-port-number = عددی مانند { CODE("5432") } به کار ببرید
conf-fix-cp-min = { CODE("cp_min") } را حداکثر برابر { CODE("cp_max") } کنید
conf-fix-sslmodes = یکی از { CODE("disable") }، { CODE("prefer") }، { CODE("require") }، { CODE("verify-ca") } یا { CODE("verify-full") } را به کار ببرید
conf-fix-engines = { CODE("sqlite3") } یا { CODE("psycopg2") } (PostgreSQL) را به کار ببرید
conf-fix-custom-ca-list = فایل‌های PEM مراجع صدور گواهی (CA) مورد اعتماد را فهرست کنید، یا کلید را حذف کنید تا به CAهای سیستم اعتماد شود
conf-fix-readable-pem = آن را به یک فایل گواهی PEM خواندنی نشانه بگیرید
conf-fix-pem-block = فایل PEMی با یک بلوک { CODE("-----BEGIN CERTIFICATE-----") } به کار ببرید
conf-fix-ip-range = یک نشانی یا یک بازه‌ی CIDR مانند { CODE("10.0.0.0/8") } به کار ببرید
conf-fix-url-blacklist-entry = مثلاً { CODE("- netloc: 'google.com'") }
conf-fix-url-parts = یکی از این‌ها را به کار ببرید: { $parts }
conf-fix-acme-domain = { CODE("acme.domain") } را نامی بگذارید که کلاینت‌ها و سرورها به آن وصل می‌شوند، مثلاً { CODE("domain: matrix.example.org") }
conf-fix-acme-directory = فهرست ACME (ACME directory) مرجع صدور گواهی را به کار ببرید، مثلاً { CODE("url:") } { $url }
conf-fix-dns-names-only = فقط نام‌های DNS را فهرست کنید (بدون پورت و بدون نشانی IP): مرجع صدور گواهی (CA) هر کدام را بررسی می‌کند
conf-fix-acme-domains = { CODE("acme.domain") } را نام یا نام‌هایی بگذارید که گواهی باید پوشش دهد
conf-fix-acme-tls-paths = هر دو را تنظیم کنید، مثلاً { CODE("tls_certificate_path: /etc/matrixd/tls/fullchain.pem") } و { CODE("tls_private_key_path: /etc/matrixd/tls/privkey.pem") }
conf-fix-acme-tls-listener = یک شنونده (listener) با { CODE("tls: true") } اضافه کنید (پورت { CODE("443") }: مرجع صدور گواهی آن‌جا بررسی می‌کند)، یا بخش { CODE("acme") } را حذف کنید
conf-fix-worker-name = هر پردازه را با نامی جدا بنامید، مثلاً { CODE("worker_name: matrixd-1") }
conf-fix-workers-postgres = اول به PostgreSQL بروید ({ CODE("matrixctl migrate-db") })، یا { CODE("worker_name") } را حذف کنید تا یک پردازه اجرا شود
conf-fix-directory-ca = آن را به ریشه‌ی PEM گواهی HTTPS مرجع صدور گواهی (CA) بدهید، یا حذفش کنید تا ریشه‌های سیستم به کار روند
conf-fix-quote-pattern = الگو را در گیومه بگذارید
conf-fix-preview-blacklist = بازه‌های خصوصی را فهرست کنید، مثلاً { CODE("url_preview_ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7']") }
conf-fix-force-tls = { CODE("enable_tls: false") } یا { CODE("force_tls: true") } را حذف کنید
conf-fix-enable-tls = { CODE("enable_tls: false") } را حذف کنید
conf-fix-notif-from-example = نشانی‌ای مانند { CODE("\"Your Server <noreply@example.org>\"") } به کار ببرید
conf-fix-set-notif-from = { CODE("email.notif_from") } را تنظیم کنید، مثلاً { CODE("notif_from: \"Your Server <noreply@example.org>\"") }
conf-fix-email-baseurl = { CODE("public_baseurl") } را برابر نشانی‌ای بگذارید که کاربران این سرور را با آن می‌یابند (مثلاً { CODE("public_baseurl: https://matrix.example.org/") })، یا بخش { CODE("email") } را حذف کنید
key-empty = فایل کلید خالی است
key-fields = سطر { $line }: باید به شکل { CODE("ed25519 <version> <base64 seed>") } باشد، اما { $found } بخش دارد
key-algorithm = سطر { $line }: الگوریتم پشتیبانی‌نشده‌ی { $alg } (فقط { CODE("ed25519") } پشتیبانی می‌شود)
key-version = سطر { $line }: نسخه‌ی کلید { $version } فقط می‌تواند حرف، رقم و { CODE("_") } داشته باشد
key-base64 = سطر { $line }: بذر (seed) کلید base64 معتبر نیست
key-seed-length = سطر { $line }: بذر (seed) باید { CODE("32") } بایت باشد، اما { $len } بایت است

## install --workers N (src/plan/steps/workers.rs, src/doctor/checks/service.rs)

q-workers-prompt = سرور با چند پردازه‌ی matrixd اجرا شود؟ (خالی: ۱)
q-workers-explain = چند پردازه یک پایگاه داده‌ی PostgreSQL را با هم به کار می‌برند و nginx کلاینت‌ها را میان آن‌ها پخش می‌کند (هر توکن دسترسی روی یک پردازه می‌ماند)؛ برای بیشتر سرورها یک پردازه بس است.
val-workers = { $value } تعداد معتبری از پردازه‌ها نیست ({ $range })
plan-err-workers-sqlite = { $n } پردازه‌ی matrixd به PostgreSQL نیاز دارند: با SQLite تنها یک پردازه می‌تواند سرویس دهد
plan-err-workers-sqlite-hint = برای نصب تازه { $flag } را برگزینید، یا نصب SQLite موجود را نخست با { $cmd } منتقل کنید؛ یا یک پردازه اجرا کنید ({ $one })
plan-err-workers-proxy = { $n } پردازه‌ی matrixd به nginx در جلوی خود نیاز دارند: روی درگاه‌های loopback گوش می‌دهند و nginx کلاینت‌ها را میان آن‌ها پخش می‌کند
plan-err-workers-proxy-hint = از { $flag } استفاده کنید، یا یک پردازه اجرا کنید ({ $one })
plan-err-workers-package = بسته‌ی نصب‌شده‌ی matrixd ({ $format }) یک پردازه را از { $path } اجرا می‌کند؛ { $n } پردازه به سرویس‌هایی نیاز دارند که matrixctl می‌نویسد
plan-err-workers-package-hint = یک پردازه اجرا کنید ({ $one })، یا بسته را حذف کنید تا matrixctl خودش matrixd را نصب کند
plan-verb-stop = توقف
plan-retire = توقف و غیرفعال‌سازی: دیگر جزو پردازه‌هایی نیست که این نصب اجرا می‌کند
step-retire = توقف و غیرفعال‌سازی { $name }
check-service-workers = با { CODE("install --workers") }: هر پردازه‌ی matrixd روی درگاه خود به { CODE("/health") } پاسخ می‌دهد
svc-workers-none = یک پردازه (هیچ پیکربندی worker در { $path } نیست)
svc-workers-ok = هر { $n } پردازه به { CODE("/health") } پاسخ می‌دهند: { $list }
svc-workers-down = به { CODE("/health") } پاسخ نمی‌دهد:{" "}
svc-worker-on = { $name } روی درگاه { $port } ({ $error })
svc-workers-fix = آن را دوباره راه‌اندازی کنید: { $cmd }؛ گزارش آن می‌گوید چرا متوقف شد ({ $status })
svc-worker-config-bad = { $path } پس از { $config } بارگذاری نمی‌شود: { $error }
svc-workers-not-running = در حال اجرا نیست: { $names }
svc-workers-running = هر { $n } پردازه در حال اجرا هستند ({ $how }): { $names }
plan-note-workers-connections = { $n } پردازه هر کدام تا { $pool } اتصال به پایگاه داده باز می‌کنند ({ $total })، بیش از آن‌چه { $key } پیش‌فرض PostgreSQL ({ $max }) جا دارد: { $key } را در { CODE("postgresql.conf") } بالا ببرید و PostgreSQL را دوباره راه‌اندازی کنید
ngx-upstream-wrong-port = upstream { $name } به درگاه { $port } می‌فرستد که هیچ پردازه‌ی matrixd روی آن گوش نمی‌دهد
ngx-upstream-missing = upstream { $name } پردازه‌ی { $worker } (درگاه { $port }) را از قلم انداخته است
ngx-upstream-no-hash = upstream { $name } دستور { $directive } را ندارد: درخواست‌های یک کلاینت میان پردازه‌ها جابه‌جا می‌شوند
ngx-upstream-fix = { $cmd } را دوباره اجرا کنید تا سایت از نو نوشته شود، یا برای هر پردازه‌ی matrixd یک { $directive } در upstream بگذارید

/// The most common passwords (lower case), from the published lists of leaked passwords — the international
/// ones and the Chinese ones (the CSDN, 12306 and other leaks: keyboard rows such as `1qaz2wsx`, number
/// sequences, `woaini1314`, `5201314`, pinyin names with digits). Shorter ones are kept although the length
/// rule already refuses them, so the list stays useful if the rule changes. Compared case-insensitively.
let commonPasswordList: [String] = [
    // Numbers
    "123456", "12345678", "123456789", "1234567890", "0123456789", "01234567890", "12345678910",
    "1234567891", "123456789a", "1234567899", "12345678900", "123123123", "1231231231", "123123123123",
    "1234512345", "1234554321", "123454321", "12344321", "1234432100", "123321123", "123321123321",
    "987654321", "9876543210", "0987654321", "87654321", "7654321", "1122334455", "11223344", "112233445566",
    "1212121212", "12121212", "121212121212", "1111111111", "11111111", "111111111", "111111111111",
    "0000000000", "00000000", "000000000", "000000000000", "2222222222", "22222222", "3333333333", "33333333",
    "4444444444", "44444444", "5555555555", "55555555", "6666666666", "66666666", "666666666", "7777777777",
    "77777777", "8888888888", "88888888", "888888888", "9999999999", "99999999", "999999999", "1357924680",
    "135792468", "2468135790", "147258369", "1472583690", "147852369", "1478523690", "159357456", "159753123",
    "741852963", "7418529630", "963852741", "9638527410", "789456123", "7894561230", "321654987", "123654789",
    "1236547890", "456456456", "4564564560", "789789789", "110110110", "1101101100", "119119119", "120120120",
    "12341234", "1234123412", "11112222", "1111122222", "31415926", "3.1415926", "314159265", "3141592653",
    "3.14159265", "20082008", "2008200820", "19491001", "1949100100", "19900101", "19800101", "20000101",
    "201314201314", "1314131413", "1234567a", "12345678a", "a123456789", "a1234567890", "1a2b3c4d5e",
    "0000000001", "1000000000",
    // Love numbers and pinyin
    "5201314", "52013145201314", "5201314520", "52013140", "5201314520131", "1314520", "1314520520",
    "13145201314", "520520520", "5205205200", "5845201314", "7758521", "7758521521", "77585210",
    "woaini", "woaini1314", "woaini520", "woaini5201314", "woainimama", "woaiwojia", "woaini123",
    "woaini123456", "woaini1314520", "iloveyou", "iloveyou1314", "iloveyou520", "loveyou1314", "aini1314",
    "a5201314", "qq5201314", "wangyang", "wangjian", "zhangwei", "zhang123", "zhang123456", "wang123456",
    "li123456", "liu123456", "chen123456", "yang123456", "zhao123456", "huang123456", "zhou123456",
    "wu123456", "xiaoming", "xiaoming123", "zhongguo", "zhongguo123", "woshishui", "nihao123", "nihao123456",
    "xiazhili", "dearbook", "qingqing", "tiantian", "beijing", "beijing2008", "shanghai", "shanghai123",
    "huawei123", "xiaomi123", "zhimakaimen", "wodemima", "mima123456", "mima1234567", "kaohe123456",
    "kaoheadmin", "zhengwu123", "zhengfu123", "jiankong123", "jianguan123",
    // Keyboard rows and patterns
    "qwertyuiop", "qwertyuiop123", "qwerty", "qwerty123", "qwerty1234", "qwerty12345", "qwerty123456",
    "qwertyui", "qwer1234", "qwer123456", "1234qwer", "1234qwerasdf", "qwerasdf", "qwerasdfzxcv",
    "qweasdzxc", "qweasdzxc123", "qweqweqwe", "qwe123456", "qwe123qwe", "123qwe", "123qweasd",
    "123qweasdzxc", "1qaz2wsx", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "1qazxsw2", "1qaz@wsx", "1qaz!qaz",
    "zaq12wsx", "zaq1zaq1", "zaq1xsw2", "2wsx3edc", "qazwsx", "qazwsxedc", "qazwsxedcrfv", "qazwsx123",
    "qazwsx123456", "!qaz2wsx", "!qaz@wsx", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4",
    "q1w2e3r4t5", "q1w2e3r4t5y6", "1q2w3e", "12qwaszx", "12qwas", "asdfghjkl", "asdfghjkl123", "asdfghjk",
    "asdfgh", "asdf1234", "asdfasdf", "asdasdasd", "asd123456", "asd123asd", "zxcvbnm", "zxcvbnm123",
    "zxcvbnm,./", "zxcvbnm123456", "zxcvbn", "zxc123456", "zxcv1234", "poiuytrewq", "mnbvcxz", "lkjhgfdsa",
    "1a2s3d4f", "a1s2d3f4", "1z2x3c4v", "a1b2c3d4", "a1b2c3d4e5", "1a2b3c4d", "abc123", "abc12345",
    "abc123456", "abc1234567", "abc123456789", "abcd1234", "abcd123456", "abcdefg", "abcdefgh",
    "abcdefghij", "abcdefg123", "abcabcabc", "aaaaaaaa", "aaaaaaaaaa", "aa123456", "aa12345678",
    "aaa123456", "a12345678", "a123456", "a1234567", "a123123123", "aaaa1111", "aa112233", "qqqqqqqq",
    "qqqqqqqqqq", "qq123456", "qq12345678", "qq123456789", "123456qq", "123456aa", "123456aaa", "123456abc",
    "123456abcd", "123456asd", "123456qwe", "123456789q", "123abc", "123abc123", "1234abcd", "12345abc",
    "123456a", "abcde12345",
    // Words
    "password", "password1", "password12", "password123", "password1234", "password12345",
    "password123456", "passw0rd", "p@ssw0rd", "p@ssword", "pa$$w0rd", "p@ssw0rd123", "p@55w0rd",
    "passwd123", "pass12345", "pass123456", "admin123", "admin1234", "admin12345", "admin123456",
    "administrator", "admin@123", "admin888", "root123456", "root12345", "rootroot", "test123456",
    "test12345", "testtest", "guest12345", "user123456", "default123", "changeme", "changeme123",
    "letmein", "letmein123", "welcome", "welcome1", "welcome123", "welcome1234", "iloveyou1", "sunshine",
    "sunshine1", "princess", "princess1", "football", "football1", "baseball", "basketball", "superman",
    "superman123", "batman123", "starwars", "trustno1", "dragon123", "master123", "monkey123", "shadow123",
    "michael1", "jennifer", "computer", "computer1", "internet", "whatever", "freedom1", "qwerty1",
    "1q2w3e4r5", "access14", "mustang1", "charlie1", "jordan23", "liverpool", "chelsea1", "arsenal1",
    "pokemon1", "minecraft", "minecraft1", "abcd@1234", "asdf@1234", "zxcv@1234", "aa123456789",
    "security", "secret123", "mypassword", "nopassword", "loveme123", "forever1", "hello123", "hello12345",
    "helloworld", "hello1234", "iloveu1314", "1314woaini",
]

/// ``commonPasswordList`` as a set (lower case).
let commonPasswords = Set(commonPasswordList)

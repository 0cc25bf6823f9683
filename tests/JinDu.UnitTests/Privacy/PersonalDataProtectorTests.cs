using System.Security.Cryptography;
using System.Text;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;

namespace JinDu.UnitTests.Privacy;

internal static class TestKeys
{
    public static string NewKey(int bytes = 32) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    public static PersonalDataKeys With(string activeKeyId, Dictionary<string, string> keys, string tokenKey) =>
        new() { ActiveKeyId = activeKeyId, Keys = keys, TokenKey = tokenKey };
}

public class Personal_data_encryption
{
    private readonly PersonalDataProtector _protector = new(PersonalDataKeys.Generate());

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("张三")]
    [InlineData("贵州省黔南布依族苗族自治州荔波县玉屏街道 12 号")]
    [InlineData("粤BD12345")]
    [InlineData("")]
    [InlineData("emoji 😀 and \u0000 nul")]
    public void Round_trips_any_text_including_chinese(string plaintext)
    {
        var protectedValue = _protector.Encrypt(plaintext);

        Assert.Equal(plaintext, _protector.Decrypt(protectedValue));
    }

    [Fact]
    public void Round_trips_a_long_value()
    {
        var plaintext = string.Concat(Enumerable.Repeat("禁毒", 10_000));

        Assert.Equal(plaintext, _protector.Decrypt(_protector.Encrypt(plaintext)));
    }

    [Fact]
    public void Gives_a_different_ciphertext_each_time_for_the_same_value()
    {
        var first = _protector.Encrypt("11010519491231002X");
        var second = _protector.Encrypt("11010519491231002X");

        Assert.NotEqual(first, second);
        Assert.Equal(_protector.Decrypt(first), _protector.Decrypt(second));
    }

    [Fact]
    public void Uses_a_fresh_nonce_every_time()
    {
        var nonces = Enumerable.Range(0, 200)
            .Select(_ => Convert.FromBase64String(_protector.Encrypt("x").Split(':', 2)[1])[..12])
            .Select(Convert.ToHexString)
            .ToList();

        Assert.Equal(nonces.Count, nonces.Distinct().Count());
    }

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("13812345678")]
    [InlineData("张三丰")]
    public void Does_not_reveal_the_plaintext_in_the_ciphertext(string plaintext)
    {
        var protectedValue = _protector.Encrypt(plaintext);
        var raw = Convert.FromBase64String(protectedValue.Split(':', 2)[1]);

        Assert.DoesNotContain(plaintext, protectedValue);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(plaintext)), protectedValue);
        Assert.False(raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(plaintext)) >= 0, "plaintext bytes found in the ciphertext");
    }

    [Fact]
    public void Labels_the_ciphertext_with_the_active_key_id()
    {
        Assert.StartsWith("k1:", _protector.Encrypt("张三"));
    }

    [Theory]
    [InlineData(0)] // first nonce byte
    [InlineData(11)] // last nonce byte
    [InlineData(12)] // first ciphertext byte
    [InlineData(-1)] // last tag byte
    [InlineData(-16)] // first tag byte
    public void Refuses_a_tampered_ciphertext(int position)
    {
        var protectedValue = _protector.Encrypt("11010519491231002X");
        var parts = protectedValue.Split(':', 2);
        var raw = Convert.FromBase64String(parts[1]);
        raw[position >= 0 ? position : raw.Length + position] ^= 0x01;
        var tampered = parts[0] + ":" + Convert.ToBase64String(raw);

        Assert.ThrowsAny<CryptographicException>(() => _protector.Decrypt(tampered));
    }

    [Fact]
    public void Refuses_a_ciphertext_cut_short_by_one_byte()
    {
        var parts = _protector.Encrypt("11010519491231002X").Split(':', 2);
        var raw = Convert.FromBase64String(parts[1]);
        var cut = parts[0] + ":" + Convert.ToBase64String(raw[..^1]);

        Assert.ThrowsAny<CryptographicException>(() => _protector.Decrypt(cut));
    }

    [Fact]
    public void Refuses_a_ciphertext_cut_shorter_than_nonce_and_tag()
    {
        // A stored value truncated (e.g. by a too-narrow column) is corrupt data, and must be reported as a
        // cryptographic failure like any other corrupt ciphertext, not as an arithmetic error.
        var parts = _protector.Encrypt("11010519491231002X").Split(':', 2);
        var raw = Convert.FromBase64String(parts[1]);
        var cut = parts[0] + ":" + Convert.ToBase64String(raw[..10]);

        Assert.ThrowsAny<CryptographicException>(() => _protector.Decrypt(cut));
    }

    [Fact]
    public void Refuses_a_ciphertext_relabelled_with_another_key_id()
    {
        var k1 = TestKeys.NewKey();
        var k2 = TestKeys.NewKey();
        var token = TestKeys.NewKey();
        var protector = new PersonalDataProtector(TestKeys.With("k1", new() { ["k1"] = k1, ["k2"] = k2 }, token));
        var protectedValue = protector.Encrypt("张三");

        Assert.ThrowsAny<CryptographicException>(() => protector.Decrypt("k2" + protectedValue[2..]));
    }

    [Fact]
    public void Refuses_a_ciphertext_made_with_another_key()
    {
        var other = new PersonalDataProtector(PersonalDataKeys.Generate());
        var protectedValue = other.Encrypt("张三"); // also labelled k1, but a different k1

        Assert.ThrowsAny<CryptographicException>(() => _protector.Decrypt(protectedValue));
    }
}

public class Personal_data_key_rotation
{
    private readonly string _k1 = TestKeys.NewKey();
    private readonly string _k2 = TestKeys.NewKey();
    private readonly string _tokenKey = TestKeys.NewKey();

    [Fact]
    public void Still_decrypts_old_values_after_a_new_key_becomes_active()
    {
        var before = new PersonalDataProtector(TestKeys.With("k1", new() { ["k1"] = _k1 }, _tokenKey));
        var old = before.Encrypt("张三");

        var after = new PersonalDataProtector(TestKeys.With("k2", new() { ["k1"] = _k1, ["k2"] = _k2 }, _tokenKey));

        Assert.StartsWith("k1:", old);
        Assert.Equal("张三", after.Decrypt(old));
    }

    [Fact]
    public void Encrypts_new_values_with_the_new_active_key()
    {
        var after = new PersonalDataProtector(TestKeys.With("k2", new() { ["k1"] = _k1, ["k2"] = _k2 }, _tokenKey));

        var fresh = after.Encrypt("李四");

        Assert.StartsWith("k2:", fresh);
        Assert.Equal("李四", after.Decrypt(fresh));
        // Only k2 can read it: a protector that knows only k1 cannot.
        var k1Only = new PersonalDataProtector(TestKeys.With("k1", new() { ["k1"] = _k1 }, _tokenKey));
        Assert.ThrowsAny<CryptographicException>(() => k1Only.Decrypt(fresh));
    }

    [Fact]
    public void Cannot_decrypt_old_values_once_their_key_is_dropped()
    {
        var before = new PersonalDataProtector(TestKeys.With("k1", new() { ["k1"] = _k1 }, _tokenKey));
        var old = before.Encrypt("张三");

        var k2Only = new PersonalDataProtector(TestKeys.With("k2", new() { ["k2"] = _k2 }, _tokenKey));

        var error = Assert.ThrowsAny<CryptographicException>(() => k2Only.Decrypt(old));
        Assert.Contains("k1", error.Message);
    }

    [Fact]
    public void Keeps_tokens_stable_across_encryption_key_rotation()
    {
        var before = new PersonalDataProtector(TestKeys.With("k1", new() { ["k1"] = _k1 }, _tokenKey));
        var after = new PersonalDataProtector(TestKeys.With("k2", new() { ["k1"] = _k1, ["k2"] = _k2 }, _tokenKey));

        Assert.Equal(before.Token(SubjectKind.Person, "11010519491231002X"), after.Token(SubjectKind.Person, "11010519491231002X"));
    }
}

public class Matching_tokens
{
    private readonly PersonalDataKeys _keys = PersonalDataKeys.Generate();

    [Fact]
    public void Are_the_same_for_the_same_kind_and_value()
    {
        var a = new PersonalDataProtector(_keys);
        var b = new PersonalDataProtector(_keys); // another service with the same keys

        Assert.Equal(a.Token(SubjectKind.Person, "11010519491231002X"), a.Token(SubjectKind.Person, "11010519491231002X"));
        Assert.Equal(a.Token(SubjectKind.Person, "11010519491231002X"), b.Token(SubjectKind.Person, "11010519491231002X"));
    }

    [Theory]
    [InlineData(SubjectKind.Person, "11010519491231002X")]
    [InlineData(SubjectKind.Vehicle, "粤BD12345")]
    [InlineData(SubjectKind.Phone, "13812345678")]
    public void Are_the_keyed_hash_that_every_stored_token_was_made_with(SubjectKind kind, string value)
    {
        // Tokens are stored and compared across services and releases: their definition may never drift.
        var p = new PersonalDataProtector(_keys);
        var mac = HMACSHA256.HashData(Convert.FromBase64String(_keys.TokenKey), Encoding.UTF8.GetBytes(kind.ToString().ToLowerInvariant() + ":" + value));
        var expected = Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(expected, p.Token(kind, value));
    }

    [Fact]
    public void Differ_for_different_values()
    {
        var p = new PersonalDataProtector(_keys);

        Assert.NotEqual(p.Token(SubjectKind.Phone, "13812345678"), p.Token(SubjectKind.Phone, "13812345679"));
    }

    [Fact]
    public void Differ_across_kinds_for_the_same_value()
    {
        var p = new PersonalDataProtector(_keys);

        var tokens = Enum.GetValues<SubjectKind>().Select(k => p.Token(k, "13812345678")).ToList();

        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public void Differ_across_token_keys()
    {
        var a = new PersonalDataProtector(_keys);
        var b = new PersonalDataProtector(TestKeys.With(_keys.ActiveKeyId, _keys.Keys, TestKeys.NewKey()));

        Assert.NotEqual(a.Token(SubjectKind.Person, "11010519491231002X"), b.Token(SubjectKind.Person, "11010519491231002X"));
    }

    [Fact]
    public void Do_not_depend_on_the_encryption_key()
    {
        var a = new PersonalDataProtector(_keys);
        var b = new PersonalDataProtector(TestKeys.With("k9", new() { ["k9"] = TestKeys.NewKey() }, _keys.TokenKey));

        Assert.Equal(a.Token(SubjectKind.Vehicle, "粤BD12345"), b.Token(SubjectKind.Vehicle, "粤BD12345"));
    }

    [Theory]
    [InlineData(SubjectKind.Person, "11010519491231002X")]
    [InlineData(SubjectKind.Phone, "13812345678")]
    [InlineData(SubjectKind.Vehicle, "粤BD12345")]
    [InlineData(SubjectKind.Parcel, "SF1234567890123")]
    public void Contain_no_plaintext_and_are_url_safe(SubjectKind kind, string value)
    {
        var token = new PersonalDataProtector(_keys).Token(kind, value);

        Assert.DoesNotContain(value, token);
        Assert.DoesNotContain(value[^4..], token);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token); // 256-bit HMAC, base64url without padding
    }

    [Fact]
    public void Are_the_keyed_hmac_sha256_of_kind_and_value()
    {
        // Pinned so every service (and any future re-implementation) derives the same tokens.
        var p = new PersonalDataProtector(_keys);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(_keys.TokenKey), Encoding.UTF8.GetBytes("person:11010519491231002X")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(expected, p.Token(SubjectKind.Person, "11010519491231002X"));
    }
}

public class Personal_data_keys
{
    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(31)]
    [InlineData(33)]
    public void Are_refused_when_the_active_key_is_not_256_bits(int bytes)
    {
        var keys = TestKeys.With("k1", new() { ["k1"] = TestKeys.NewKey(bytes) }, TestKeys.NewKey());

        Assert.Throws<InvalidOperationException>(() => new PersonalDataProtector(keys));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    public void Are_refused_when_the_token_key_is_shorter_than_256_bits(int bytes)
    {
        var keys = TestKeys.With("k1", new() { ["k1"] = TestKeys.NewKey() }, TestKeys.NewKey(bytes));

        Assert.Throws<InvalidOperationException>(() => new PersonalDataProtector(keys));
    }

    [Fact]
    public void Accept_a_token_key_longer_than_256_bits()
    {
        var keys = TestKeys.With("k1", new() { ["k1"] = TestKeys.NewKey() }, TestKeys.NewKey(64));

        var protector = new PersonalDataProtector(keys);

        Assert.NotEmpty(protector.Token(SubjectKind.Person, "x"));
    }

    [Fact]
    public void Are_refused_when_the_active_key_is_not_listed()
    {
        var keys = TestKeys.With("k2", new() { ["k1"] = TestKeys.NewKey() }, TestKeys.NewKey());

        Assert.Throws<InvalidOperationException>(() => new PersonalDataProtector(keys));
    }

    [Fact]
    public void Are_generated_with_one_active_256_bit_key_and_a_256_bit_token_key()
    {
        var keys = PersonalDataKeys.Generate();

        Assert.Equal("k1", keys.ActiveKeyId);
        Assert.Equal(32, Convert.FromBase64String(keys.Keys["k1"]).Length);
        Assert.Equal(32, Convert.FromBase64String(keys.TokenKey).Length);
        Assert.NotEqual(keys.Keys["k1"], PersonalDataKeys.Generate().Keys["k1"]);
    }
}

public sealed class Personal_data_key_files : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "jindu-unit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Are_created_once_and_loaded_unchanged_the_second_time()
    {
        var path = Path.Combine(_dir, "nested", "keys.json");

        var created = PersonalDataKeys.LoadOrCreateFile(path, create: true);
        var written = File.ReadAllText(path);
        var loaded = PersonalDataKeys.LoadOrCreateFile(path, create: true);

        Assert.True(File.Exists(path));
        Assert.Equal(written, File.ReadAllText(path)); // not overwritten
        Assert.Equal(created.ActiveKeyId, loaded.ActiveKeyId);
        Assert.Equal(created.Keys, loaded.Keys);
        Assert.Equal(created.TokenKey, loaded.TokenKey);
    }

    [Fact]
    public void Let_a_restarted_service_read_what_it_wrote_before()
    {
        var path = Path.Combine(_dir, "keys.json");
        var first = new PersonalDataProtector(PersonalDataKeys.LoadOrCreateFile(path, create: true));
        var protectedValue = first.Encrypt("张三");
        var token = first.Token(SubjectKind.Person, "11010519491231002X");

        var restarted = new PersonalDataProtector(PersonalDataKeys.LoadOrCreateFile(path, create: false));

        Assert.Equal("张三", restarted.Decrypt(protectedValue));
        Assert.Equal(token, restarted.Token(SubjectKind.Person, "11010519491231002X"));
    }

    [Fact]
    public async Task Are_the_same_for_services_that_start_at_the_same_time()
    {
        // Several rounds: the window in which a racer could read a half-written file is small.
        for (var round = 0; round < 5; round++)
        {
            var path = Path.Combine(_dir, $"round{round}", "keys.json");
            using var start = new Barrier(8);

            // Dedicated threads, so all eight really race (the pool has only a few threads on small machines).
            var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return PersonalDataKeys.LoadOrCreateFile(path, create: true);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

            Assert.Single(all.Select(k => k.TokenKey).Distinct());
            Assert.Single(all.Select(k => k.Keys[k.ActiveKeyId]).Distinct());
            var onDisk = PersonalDataKeys.LoadOrCreateFile(path, create: false);
            Assert.Equal(all[0].TokenKey, onDisk.TokenKey);
            Assert.Equal(all[0].Keys, onDisk.Keys);
        }
    }

    [Fact]
    public void Are_not_created_when_creation_is_not_allowed()
    {
        var path = Path.Combine(_dir, "missing.json");

        Assert.Throws<InvalidOperationException>(() => PersonalDataKeys.LoadOrCreateFile(path, create: false));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Are_readable_only_by_their_owner()
    {
        if (OperatingSystem.IsWindows())
        {
            // No Unix modes on Windows: at least the file must exist.
            Assert.NotNull(PersonalDataKeys.LoadOrCreateFile(Path.Combine(_dir, "keys.json"), create: true));
            return;
        }
        var path = Path.Combine(_dir, "keys.json");
        PersonalDataKeys.LoadOrCreateFile(path, create: true);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}

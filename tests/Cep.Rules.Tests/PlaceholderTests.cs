namespace Cep.Tests;
public class PlaceholderRulesTests { [Fact] public void Ok() => Assert.True(true); }

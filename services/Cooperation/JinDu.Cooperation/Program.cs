using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("cooperation");
builder.AddCooperation();
builder.AddJinDuBus("cooperation", bus => bus.AddCooperationConsumers());

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapCooperationApi();
app.Run();

"""Model files from other programs -> stock PyTorch modules that lstmviz.record can open.

state_dict: a PyTorch state_dict of an nn.LSTM / nn.GRU / nn.RNN model (torch.load(weights_only=True)).
"""

/** ERL_FLAGS for talking to a node that uses ekka's epmd-less distribution (EMQX). */
export const EKKA_ERL_FLAGS = '-start_epmd false -epmd_module ekka_epmd -proto_dist ekka';
